#include "bpf_interpreter.hpp"

#include <cstddef>
#include <cstring>

namespace cloister::testing {
namespace {

bool load_word(const seccomp_data& data, std::uint32_t offset, std::uint32_t& out,
               bool& read_args) {
  if (offset % 4 != 0 || offset + 4 > sizeof(seccomp_data)) return false;
  std::memcpy(&out, reinterpret_cast<const char*>(&data) + offset, 4);
  if (offset >= offsetof(seccomp_data, instruction_pointer)) read_args = true;
  return true;
}

bool alu(std::uint16_t op, std::uint32_t& a, std::uint32_t operand) {
  switch (op) {
    case BPF_ADD: a += operand; return true;
    case BPF_SUB: a -= operand; return true;
    case BPF_MUL: a *= operand; return true;
    case BPF_DIV:
      if (operand == 0) return false;
      a /= operand;
      return true;
    case BPF_MOD:
      if (operand == 0) return false;
      a %= operand;
      return true;
    case BPF_AND: a &= operand; return true;
    case BPF_OR: a |= operand; return true;
    case BPF_XOR: a ^= operand; return true;
    case BPF_LSH: a <<= (operand & 31); return true;
    case BPF_RSH: a >>= (operand & 31); return true;
    case BPF_NEG: a = static_cast<std::uint32_t>(-static_cast<std::int64_t>(a)); return true;
    default: return false;
  }
}

bool jump_taken(std::uint16_t op, std::uint32_t a, std::uint32_t operand) {
  switch (op) {
    case BPF_JEQ: return a == operand;
    case BPF_JGT: return a > operand;
    case BPF_JGE: return a >= operand;
    case BPF_JSET: return (a & operand) != 0;
    default: return false;
  }
}

}  // namespace

Verdict run_filter(const std::vector<sock_filter>& program, const seccomp_data& data) {
  Verdict v;
  std::uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {};
  for (std::size_t pc = 0; pc < program.size(); ++pc) {
    const sock_filter& in = program[pc];
    const std::uint16_t cls = BPF_CLASS(in.code);
    switch (cls) {
      case BPF_LD:
        if (BPF_MODE(in.code) == BPF_ABS) {
          if (!load_word(data, in.k, a, v.read_args)) return {0, 0, false, v.read_args};
        } else if (BPF_MODE(in.code) == BPF_IMM)
          a = in.k;
        else if (BPF_MODE(in.code) == BPF_MEM && in.k < BPF_MEMWORDS)
          a = mem[in.k];
        else if (BPF_MODE(in.code) == BPF_LEN)
          a = sizeof(seccomp_data);
        else
          return {0, 0, false, v.read_args};
        break;
      case BPF_LDX:
        if (BPF_MODE(in.code) == BPF_IMM)
          x = in.k;
        else if (BPF_MODE(in.code) == BPF_MEM && in.k < BPF_MEMWORDS)
          x = mem[in.k];
        else if (BPF_MODE(in.code) == BPF_LEN)
          x = sizeof(seccomp_data);
        else
          return {0, 0, false, v.read_args};
        break;
      case BPF_ST:
        if (in.k >= BPF_MEMWORDS) return {0, 0, false, v.read_args};
        mem[in.k] = a;
        break;
      case BPF_STX:
        if (in.k >= BPF_MEMWORDS) return {0, 0, false, v.read_args};
        mem[in.k] = x;
        break;
      case BPF_ALU:
        if (!alu(BPF_OP(in.code), a, BPF_SRC(in.code) == BPF_X ? x : in.k))
          return {0, 0, false, v.read_args};
        break;
      case BPF_JMP:
        if (BPF_OP(in.code) == BPF_JA) {
          pc += in.k;
          break;
        }
        pc += jump_taken(BPF_OP(in.code), a, BPF_SRC(in.code) == BPF_X ? x : in.k) ? in.jt : in.jf;
        break;
      case BPF_RET: {
        const std::uint32_t ret = BPF_RVAL(in.code) == BPF_A ? a : in.k;
        v.action = ret & SECCOMP_RET_ACTION_FULL;
        v.data = static_cast<std::uint16_t>(ret & SECCOMP_RET_DATA);
        return v;
      }
      case BPF_MISC:
        if (BPF_MISCOP(in.code) == BPF_TAX)
          x = a;
        else
          a = x;
        break;
      default: return {0, 0, false, v.read_args};
    }
  }
  return {0, 0, false, v.read_args};  // fell off the end: the kernel rejects such programs
}

}  // namespace cloister::testing
