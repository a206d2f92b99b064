# A build block without its required arguments, one of them misspelt.
build { # ERROR: Missing required argument # ERROR: Missing required argument
  name  = "img"
  archs = ["x86_64"] # ERROR: Unsupported argument
  depends_on = [] # ERROR: Unsupported argument
}
