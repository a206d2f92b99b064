# Arguments a kind does not take.
build {
  name    = "img"
  version = "1"
  arches  = ["x86_64"]
}

stage "fetch-ks" "ks" {
  url  = "git+https://example.org/ks.git#main"
  file = "a.ks"
}

stage "flatten" "flat" {
  source   = stage.ks.kickstart
  repo_mod = "keep" # ERROR: Unsupported argument
}

stage "exec" "hello" {
  command = ["echo", "hello"]
  env { # ERROR: Unsupported block type
    GREETING = "hello"
  }
  dependson = [stage.flat] # ERROR: Unsupported argument
}
