# Functions that do not exist, or get the wrong arguments.
build {
  name    = "img"
  version = "1"
  arches  = ["x86_64"]
}

stage "exec" "a" {
  command = ["echo", uper("hello")] # ERROR: Call to unknown function
}

stage "exec" "b" {
  command = ["cat", file("motd")] # ERROR: Call to unknown function
}

stage "exec" "c" {
  command = ["echo", join(",", "x86_64")] # ERROR: Invalid function argument
}

stage "exec" "d" {
  command = ["echo", tostring(tonumber("ten"))] # ERROR: Invalid function argument
}
