# Stages that use their own outputs.
build {
  name    = "img"
  version = "1"
  arches  = ["x86_64"]
}

stage "exec" "a" {
  command = ["cp", stage.a.out, "a"] # ERROR: Stage "a" refers to itself
  outputs = ["out"]
}

stage "exec" "b" {
  command    = ["true"]
  depends_on = [stage.b] # ERROR: Stage "b" refers to itself
}
