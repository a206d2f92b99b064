// Package convert is the convert stage kind (docs/architecture.md#stage-kinds): it turns a raw
// disk into Koji's image formats, with Koji's file names, plus vhdx, and a
// libvirt domain XML beside each.
//
// Every tool (qemu-img, xz, gzip, tar, mksquashfs, cp) runs through the
// stage's executor; argv.go builds their command lines with pure functions.
// Archives (OVAs, boxes, the docker image) are written by this package as
// streams. The docker image's layer comes from internal/rootfs, which reads
// the disk's ext2/3/4 root file system without privileges.
//
// It does not modify the guest: ImageFactory's rhevm and vsphere targets
// delete 70-persistent-net.rules and ifcfg-eth0's HWADDR and write
// /etc/sysconfig/cloud-info inside the image; convert leaves the disk's
// content as the install made it.
package convert
