# An argument set twice in one block.
build {
  name    = "img"
  version = "1"
  arches  = ["x86_64"]
}

stage "exec" "hello" {
  command = ["echo", "hello"]
  timeout = "1m"
  command = ["echo", "again"] # ERROR: Attribute redefined
}
