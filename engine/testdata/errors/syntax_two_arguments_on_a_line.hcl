# Two arguments on one line need a newline between them.
build {
  name = "img" version = "1" # ERROR: Missing newline after argument
  arches = ["x86_64"]
}
