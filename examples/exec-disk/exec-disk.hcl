# A small ext4 disk image, as raw and qcow2, built for two architectures in
# parallel from plain `exec` stages: how to write your own steps.
#
#   imgpipe run examples/exec-disk/exec-disk.hcl
#
# Needs mkfs.ext4 and debugfs (e2fsprogs) and qemu-img (qemu-utils);
# `go tool task deps` installs them on Debian. Results go to the store,
# .imgpipe/ beside this file; run it again and every stage comes from the cache.
#
# How an exec stage runs:
# - `command` is an argv list and is NOT shell-expanded. Where a command needs
#   $IMGPIPE_OUT or another variable, it runs `sh -c SCRIPT sh ARG...` and
#   takes paths as positional arguments ("$1", "$2"), which is safe for any path.
# - Its environment is only PATH, HOME, TMPDIR (a scratch dir), IMGPIPE_OUT
#   (the directory to write outputs into) and the stage's `env`.
# - It runs in this file's directory, and writes each name listed in
#   `outputs` into $IMGPIPE_OUT.
# - `stage.<name>.<output>` (or `stage.<name>["<output>"]` for a name with a
#   dot) is the absolute path of that output in the store. Referring to it
#   makes this stage wait for that one: the order of the blocks does not matter.
# - `tree` uses `arch`, so it runs once for each of `arches`, in parallel; the
#   stages after it do too, since they use its outputs. A stage's ID hashes
#   its kind, its config and its inputs: a rerun skips each stage whose ID is
#   unchanged.

build {
  name    = "exec-disk"
  version = "1"
  arches  = ["x86_64", "aarch64"]
}

# The root file system as a directory tree: the files under ./files, plus
# /etc/arch naming the architecture it was built for.
stage "exec" "tree" {
  # Local paths read by the command. Their content is hashed into the stage
  # ID, so editing files/etc/motd rebuilds this stage and everything after it.
  inputs = ["./files"]
  env    = { ARCH = arch } # `arch` is the architecture this instance builds
  command = ["sh", "-euc", <<-EOT
    root="$IMGPIPE_OUT/root"
    mkdir -p "$root"
    cp -R files/. "$root/"
    echo "$ARCH" >"$root/etc/arch"
    # Fixed modes and mtimes: the image does not depend on the checkout's.
    chmod -R u=rwX,go=rX "$root"
    find "$root" -exec touch -h -d @946684800 {} +
    EOT
  ]
  outputs = ["root"]
}

# A 64 MiB ext4 file system holding that tree (mkfs.ext4 -d copies a
# directory into the new file system; no root, no loop device).
stage "exec" "disk" {
  command = ["sh", "-euc", <<-EOT
    PATH="$PATH:/usr/sbin:/sbin"   # mkfs.ext4 lives in sbin
    disk="$IMGPIPE_OUT/disk.raw"
    truncate -s 64M "$disk"
    mkfs.ext4 -q -F -L exec-disk -U "$FS_UUID" -E hash_seed="$HASH_SEED" -d "$1" "$disk"
    EOT
    , "sh", stage.tree.root
  ]
  # mkfs.ext4 would pick a random UUID, hash seed and time; a stage's result
  # should follow from its config, so the recipe fixes them.
  env = {
    FS_UUID             = "3d0f8b6e-5c1a-4f2e-9a47-0c6e2b8d1f53"
    HASH_SEED           = "8a4e2c71-93bd-4a05-b6f8-1d7e5c3a9b20"
    E2FSPROGS_FAKE_TIME = "946684800"
  }
  outputs = ["disk.raw"]
  timeout = "5m" # a meta-argument, like depends_on: any stage may set it
}

# The same disk as qcow2.
stage "exec" "qcow2" {
  command = [
    "sh", "-euc", "exec qemu-img convert -f raw -O qcow2 \"$1\" \"$IMGPIPE_OUT/disk.qcow2\"",
    "sh", stage.disk["disk.raw"],
  ]
  outputs = ["disk.qcow2"]
}

# Checks the result: the qcow2 image is consistent and holds exactly the raw
# disk's content, and the file system carries this arch's /etc/arch.
# Its report is an output, so it is kept in the store with the images.
stage "exec" "check" {
  env = { ARCH = arch }
  command = ["sh", "-euc", <<-EOT
    PATH="$PATH:/usr/sbin:/sbin"   # debugfs lives in sbin
    raw=$1 qcow2=$2 report="$IMGPIPE_OUT/report.txt"
    {
      echo "== qemu-img check disk.qcow2"
      qemu-img check -f qcow2 "$qcow2"
      echo "== qemu-img compare disk.raw disk.qcow2"
      qemu-img compare -f raw -F qcow2 "$raw" "$qcow2"
      echo "== /etc/arch in disk.raw"
      debugfs -R "cat /etc/arch" "$raw" 2>/dev/null
    } >"$report"
    cat "$report"
    test "$(debugfs -R "cat /etc/arch" "$raw" 2>/dev/null)" = "$ARCH"
    EOT
    , "sh", stage.disk["disk.raw"], stage.qcow2["disk.qcow2"]
  ]
  outputs = ["report.txt"]
}
