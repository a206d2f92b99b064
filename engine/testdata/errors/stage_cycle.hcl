# Stages that use each other's outputs.
build {
  name    = "img"
  version = "1"
  arches  = ["x86_64"]
}

stage "exec" "a" {
  command = ["cp", stage.b.out, "a"]
  outputs = ["out"]
}

stage "exec" "b" {
  command = ["cp", stage.a.out, "b"] # ERROR: Cycle between stages "b" and "a"
  outputs = ["out"]
}
