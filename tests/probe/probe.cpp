// Placeholder replaced by the probe implementation.
int main() { return 0; }
