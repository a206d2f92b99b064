# An interpolation that is never closed swallows the closing quote: the
# string runs on to the next lines.
build {
  name    = "img"
  version = "1"
  arches  = ["x86_64"]
}

stage "exec" "hello" {
  command = ["echo", "${var.greeting"] # ERROR: Unclosed template interpolation sequence # ERROR: Invalid multi-line string
} # ERROR: Invalid multi-line string
