# factory parameters: the docker keys are checked; base-image and ova keys
# are known; keys nothing reads are warnings.
build {
  name    = "img"
  version = "1"
  release = "1"
  arches  = ["x86_64"]
}

stage "convert" "images" {
  disk    = "disk.raw"
  formats = ["docker"]
  factory = { docker_cmd = "/bin/bash", docker_image_id = "xyz", docker_lable = "{}", tar_options = "--selinux", dockerversion = "0.11.1", compress = "gzip" } # ERROR: Invalid factory parameter # ERROR: Invalid factory parameter # WARNING: Unknown factory parameter # WARNING: Factory parameter not supported # WARNING: Factory parameter ignored # WARNING: Factory parameter ignored
}

stage "convert" "good" {
  disk    = "disk.raw"
  formats = ["docker", "vagrant-libvirt"]
  factory = {
    docker_cmd             = "[\"/bin/bash\"]"
    docker_env             = "[\"DISTTAG=f41container\", \"FGC=f41\"]"
    docker_label           = "{\"name\": \"fedora\", \"license\": \"MIT\"}"
    docker_set_arch_label  = "true"
    repository             = "fedora"
    tag                    = "41"
    comment                = "Fedora base image"
    os                     = "linux"
    tar_excludes           = "./etc/fstab,./var/cache/*"
    create_docker_metadata = "True"
    compress               = "xz"
    dockerversion          = "1.10.1"
    generate_icicle        = "false"
    oz_overrides           = "{'libvirt': {'memory': 4096}}"
    ovf_memory_mb          = "4096"
    rhevm_ova_format       = "vagrant-libvirt"
  }
}

stage "convert" "fixed" {
  disk    = "disk.raw"
  formats = ["vagrant-libvirt"]
  factory = { rhevm_ova_format = "rhevm" } # WARNING: Option ignored for vagrant-libvirt
}
