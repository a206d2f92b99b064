# Edges from depends_on, references in meta-arguments and index references,
# declared in any order.
variable "timeout" {
  default = "30m"
}

build {
  name    = "pipeline"
  version = "2"
  arches  = ["x86_64", "aarch64", "s390x"]
}

stage "exec" "publish" {
  command    = ["cp", stage.disk["disk.raw"], stage.manifest["manifest.json"], "/srv/images/"]
  depends_on = [stage.lint, stage.disk]
  timeout    = var.timeout
}

stage "exec" "manifest" {
  command = ["sh", "-c", "echo '${jsonencode({ arches = ["x86_64", "aarch64", "s390x"], version = 2 })}' > \"$IMGPIPE_OUT/manifest.json\""]
  outputs = ["manifest.json"]
}

stage "exec" "disk" {
  command = ["mkdisk", "--arch", arch]
  outputs = ["disk.raw"]
  timeout = arch == "s390x" ? "2h" : "1h"
}

stage "exec" "lint" {
  command = ["true"]
}
