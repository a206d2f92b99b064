# A recipe with stages but no build block. # ERROR: Missing build block
stage "exec" "hello" {
  command = ["echo", "hello"]
}
