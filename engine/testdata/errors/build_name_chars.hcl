# Characters Koji's default RegexNameInternal refuses
# (kojihub/kojixmlrpc.py load_config: ^[A-Za-z0-9/_.+-]+$).
build {
  name    = "fedora cloud" # ERROR: Invalid build.name
  version = "41"
  arches  = ["x86_64"]
}
