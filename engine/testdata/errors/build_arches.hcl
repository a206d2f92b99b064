# Architectures must be distinct names Koji knows (koji/arch.py arches,
# builder/kojid createDistRepoTask.compat), not aliases koji.canonArch
# renames (koji/__init__.py canonArch: fnmatch i?86 makes ix86 i386); a
# can_fail arch that is not built has no effect (a warning).
build {
  name    = "img"
  version = "1"
  arches = [
    "x86_64",
    "aarch64",
    "x86_64",  # ERROR: Duplicate architecture
    "ppc 64le", # ERROR: Unknown architecture
    "x86-64",   # ERROR: Unknown architecture
    "ix86",     # ERROR: Architecture alias
    "sparcv9",  # koji/arch.py arches
    "riscv64",  # builder/kojid createDistRepoTask.compat
  ]
  can_fail = ["aarch64", "s390"] # WARNING: can_fail names an architecture that is not built
}
