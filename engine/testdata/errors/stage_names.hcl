# Stage names must be identifiers and unique; a stage needs a kind and a name.
build {
  name    = "img"
  version = "1"
  arches  = ["x86_64"]
}

stage "exec" "disk.raw" { # ERROR: Invalid stage name
  command = ["true"]
}

stage "exec" "hello" {
  command = ["echo", "hello"]
}

stage "exec" "hello" { # ERROR: Duplicate stage "hello"
  command = ["echo", "again"]
}

stage "exec" { # ERROR: Missing name for stage
  command = ["true"]
}

stage "exec" "one" "two" { # ERROR: Extraneous label for stage
  command = ["true"]
}
