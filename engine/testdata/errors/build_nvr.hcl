# A build's name must be a Koji package name that is also a file name
# (kojihub/kojihub.py verify_name_internal with kojixmlrpc.py's default
# RegexNameInternal ^[A-Za-z0-9/_.+-]+$, and no "/" or ".."); its version
# and release carry no hyphen (koji/__init__.py _check_NVR).
build {
  name    = "../../etc/cron.d/evil" # ERROR: Invalid build.name
  version = "41-beta"               # ERROR: Hyphen in build.version
  release = "1-2"                   # ERROR: Hyphen in build.release
  arches  = ["x86_64"]
}
