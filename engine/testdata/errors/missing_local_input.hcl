# A local input that does not exist beside the recipe.
build {
  name    = "img"
  version = "1"
  arches  = ["x86_64"]
}

stage "exec" "tree" {
  command = ["cp", "-R", "files", "tree"]
  inputs  = ["no-such-dir/motd"] # ERROR: Cannot read local input
}
