#include "seccomp/emulator.hpp"

#include <cstddef>
#include <cstring>

namespace cloister::seccomp {
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
    case BPF_LSH: a = operand < 32 ? a << operand : 0; return true;
    case BPF_RSH: a = operand < 32 ? a >> operand : 0; return true;
    case BPF_NEG: a = 0 - a; return true;
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

bool load(const sock_filter& in, const seccomp_data& data, std::uint32_t mem[], std::uint32_t& out,
          bool& read_args) {
  switch (BPF_MODE(in.code)) {
    case BPF_ABS: return BPF_SIZE(in.code) == BPF_W && load_word(data, in.k, out, read_args);
    case BPF_IMM: out = in.k; return true;
    case BPF_MEM:
      if (in.k >= BPF_MEMWORDS) return false;
      out = mem[in.k];
      return true;
    case BPF_LEN: out = sizeof(seccomp_data); return true;
    default: return false;
  }
}

}  // namespace

Verdict emulate(const std::vector<sock_filter>& program, const seccomp_data& data) {
  Verdict v;
  auto invalid = [&v] {
    v.valid = false;
    return v;
  };
  std::uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {};
  for (std::size_t pc = 0; pc < program.size(); ++pc) {
    const sock_filter& in = program[pc];
    ++v.executed;
    const std::uint32_t operand = BPF_SRC(in.code) == BPF_X ? x : in.k;
    switch (BPF_CLASS(in.code)) {
      case BPF_LD:
        if (!load(in, data, mem, a, v.read_args)) return invalid();
        break;
      case BPF_LDX:
        if (!load(in, data, mem, x, v.read_args)) return invalid();
        break;
      case BPF_ST:
        if (in.k >= BPF_MEMWORDS) return invalid();
        mem[in.k] = a;
        break;
      case BPF_STX:
        if (in.k >= BPF_MEMWORDS) return invalid();
        mem[in.k] = x;
        break;
      case BPF_ALU:
        if (!alu(BPF_OP(in.code), a, operand)) return invalid();
        break;
      case BPF_JMP:
        if (BPF_OP(in.code) == BPF_JA)
          pc += in.k;
        else
          pc += jump_taken(BPF_OP(in.code), a, operand) ? in.jt : in.jf;
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
      default: return invalid();
    }
  }
  return invalid();  // fell off the end: the kernel rejects such programs
}

bool kernel_caches_allow(const std::vector<sock_filter>& program, int nr, std::uint32_t arch) {
  std::uint32_t a = 0;
  for (std::size_t pc = 0; pc < program.size(); ++pc) {
    const sock_filter& in = program[pc];
    switch (in.code) {
      case BPF_LD | BPF_W | BPF_ABS:
        if (in.k == offsetof(seccomp_data, nr))
          a = static_cast<std::uint32_t>(nr);
        else if (in.k == offsetof(seccomp_data, arch))
          a = arch;
        else
          return false;  // anything else the verdict depends on is unknown at install time
        break;
      case BPF_RET | BPF_K: return in.k == SECCOMP_RET_ALLOW;
      case BPF_JMP | BPF_JA: pc += in.k; break;
      case BPF_JMP | BPF_JEQ | BPF_K: pc += a == in.k ? in.jt : in.jf; break;
      case BPF_JMP | BPF_JGE | BPF_K: pc += a >= in.k ? in.jt : in.jf; break;
      case BPF_JMP | BPF_JGT | BPF_K: pc += a > in.k ? in.jt : in.jf; break;
      case BPF_JMP | BPF_JSET | BPF_K: pc += (a & in.k) ? in.jt : in.jf; break;
      case BPF_ALU | BPF_AND | BPF_K: a &= in.k; break;
      default: return false;
    }
  }
  return false;
}

}  // namespace cloister::seccomp
