# Stages without an argument their kind requires.
build {
  name    = "img"
  version = "1"
  arches  = ["x86_64"]
}

stage "guest-install" "install" { # ERROR: Missing required argument
  kickstart = "a.ks"
}

stage "exec" "hello" { # ERROR: Missing required argument
  outputs = ["hello.txt"]
}

stage "convert" "images" { # ERROR: Missing required argument # ERROR: Missing required argument
}
