# ERROR: Missing build block
# A recipe with stages but no build block.
stage "exec" "hello" {
  command = ["echo", "hello"]
}
