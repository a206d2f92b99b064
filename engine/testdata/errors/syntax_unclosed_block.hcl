# A block whose closing brace is missing.
build {
  name    = "img"
  version = "1"
  arches  = ["x86_64"]
}

stage "exec" "hello" { # ERROR: Unclosed configuration block
  command = ["echo", "hello"]
