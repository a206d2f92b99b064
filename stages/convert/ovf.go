package convert

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"strings"
	"sync"
	"text/template"
	"time"
	"unicode/utf16"
)

// The descriptors of the OVA and vagrant formats: the shapes of ImageFactory's
// ovfcommon package classes (RHEVOVFPackage, VsphereOVFPackage,
// VirtualBoxOVFPackage, VMWareFusionVagrantOVFPackage, HyperVOVFPackage,
// LibvirtVagrantOVFPackage), with its defaults. Each function is pure: the
// same values give the same bytes.

// epoch is the time written wherever a format wants a creation time: a
// stage's output depends on its inputs only, never on when it ran.
var epoch = time.Unix(0, 0).UTC()

// uuidNamespace is imgpipe's namespace for name-based UUIDs.
var uuidNamespace = [16]byte{0x6b, 0x8c, 0x3f, 0x52, 0x0d, 0x1e, 0x4b, 0x7a, 0x9e, 0x21, 0x5c, 0x44, 0x18, 0x9f, 0x60, 0x2d}

// nameUUID is a version 5 (SHA-1, name-based) UUID of the parts: the stage
// ID and what the UUID is for. ImageFactory draws random ones; these are
// the same for the same stage and differ between stages.
func nameUUID(parts ...string) string {
	h := sha1.New()
	h.Write(uuidNamespace[:])
	h.Write([]byte(strings.Join(parts, "\x00")))
	u := h.Sum(nil)[:16]
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// virtualBoxMAC is a MAC address in VirtualBox's range (08:00:27), derived
// from the stage ID, as 12 hex digits without colons (VirtualBox's form).
// ImageFactory takes the install's MAC from its libvirt XML; the Vagrantfile
// sets it as base_mac.
func virtualBoxMAC(id string) string {
	u := nameUUID(id, "virtualbox-mac")
	return "080027" + strings.ToUpper(strings.ReplaceAll(u, "-", "")[:6])
}

var funcs = template.FuncMap{
	"x": func(s any) string {
		var b strings.Builder
		_ = xml.EscapeText(&b, []byte(fmt.Sprint(s)))
		return b.String()
	},
	// vmx escapes a VMX value: VMware writes | and " as |7C and |22.
	"vmx": func(s string) string {
		return strings.NewReplacer("|", "|7C", `"`, "|22").Replace(s)
	},
}

// lazyTemplate parses a template when it is first rendered: parsing them
// all at start-up cost every imgpipe command, `ks flatten` included.
func lazyTemplate(name, text string) func() *template.Template {
	return sync.OnceValue(func() *template.Template {
		return template.Must(template.New(name).Funcs(funcs).Parse(text))
	})
}

func render(t func() *template.Template, data any) []byte {
	var b bytes.Buffer
	if err := t().Execute(&b, data); err != nil {
		panic(err) // the templates are fixed; a failure is a bug
	}
	return b.Bytes()
}

// vsphereOVF is VsphereOVFPackage's desc.ovf.
type vsphereOVF struct {
	Name        string // the virtual system; ovf_name, or N-V-R.arch
	FileSize    int64  // of disk.vmdk
	Capacity    int64  // the disk's virtual size
	Populated   int64  // bytes the vmdk holds
	StreamOpt   bool   // streamOptimized (else monolithicSparse)
	CPUs        int
	MemoryMB    int
	ProductName string
	Vendor      string
	Version     string
	SystemType  string
	NestedVirt  bool
	OSType      string
	CDROM       bool
	SCSI        string
	Network     string
}

var vsphereOVFTemplate = lazyTemplate("vsphere", `<?xml version="1.0" encoding="UTF-8"?>
<Envelope vmw:buildId="build-880146" xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:cim="http://schemas.dmtf.org/wbem/wscim/1/common" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData" xmlns:vmw="http://www.vmware.com/schema/ovf" xmlns:vssd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <References>
    <File ovf:href="disk.vmdk" ovf:id="file1" ovf:size="{{.FileSize}}"/>
  </References>
  <DiskSection>
    <Info>Virtual disk information</Info>
    <Disk ovf:capacity="{{.Capacity}}" ovf:capacityAllocationUnits="byte" ovf:diskId="vmdisk1" ovf:fileRef="file1" ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html#{{if .StreamOpt}}streamOptimized{{else}}sparse{{end}}" ovf:populatedSize="{{.Populated}}"/>
  </DiskSection>
  <NetworkSection>
    <Info>The list of logical networks</Info>
    <Network ovf:name="VM Network">
      <Description>The VM Network network</Description>
    </Network>
  </NetworkSection>
  <VirtualSystem ovf:id="{{x .Name}}">
    <Info>A virtual machine</Info>
    <Name>{{x .Name}}</Name>
    <OperatingSystemSection ovf:id="80" ovf:version="6" vmw:osType="{{x .OSType}}">
      <Info>The kind of installed guest operating system</Info>
    </OperatingSystemSection>
    <VirtualHardwareSection>
      <Info>Virtual hardware requirements</Info>
      <System>
        <vssd:ElementName>Virtual Hardware Family</vssd:ElementName>
        <vssd:InstanceID>0</vssd:InstanceID>
        <vssd:VirtualSystemIdentifier>{{x .Name}}</vssd:VirtualSystemIdentifier>
        <vssd:VirtualSystemType>{{x .SystemType}}</vssd:VirtualSystemType>
      </System>
      <Item>
        <rasd:AllocationUnits>hertz * 10^6</rasd:AllocationUnits>
        <rasd:Description>Number of Virtual CPUs</rasd:Description>
        <rasd:ElementName>{{.CPUs}} virtual CPU(s)</rasd:ElementName>
        <rasd:InstanceID>1</rasd:InstanceID>
        <rasd:ResourceType>3</rasd:ResourceType>
        <rasd:VirtualQuantity>{{.CPUs}}</rasd:VirtualQuantity>
      </Item>
      <Item>
        <rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits>
        <rasd:Description>Memory Size</rasd:Description>
        <rasd:ElementName>{{.MemoryMB}} MB of memory</rasd:ElementName>
        <rasd:InstanceID>2</rasd:InstanceID>
        <rasd:ResourceType>4</rasd:ResourceType>
        <rasd:VirtualQuantity>{{.MemoryMB}}</rasd:VirtualQuantity>
      </Item>
      <Item>
        <rasd:Address>0</rasd:Address>
        <rasd:Description>SCSI Controller</rasd:Description>
        <rasd:ElementName>SCSI Controller 0</rasd:ElementName>
        <rasd:InstanceID>3</rasd:InstanceID>
        <rasd:ResourceSubType>{{x .SCSI}}</rasd:ResourceSubType>
        <rasd:ResourceType>6</rasd:ResourceType>
      </Item>
      <Item>
        <rasd:AddressOnParent>0</rasd:AddressOnParent>
        <rasd:ElementName>Hard disk 0</rasd:ElementName>
        <rasd:HostResource>ovf:/disk/vmdisk1</rasd:HostResource>
        <rasd:InstanceID>4</rasd:InstanceID>
        <rasd:Parent>3</rasd:Parent>
        <rasd:ResourceType>17</rasd:ResourceType>
        <vmw:Config ovf:required="false" vmw:key="backing.writeThrough" vmw:value="false"/>
      </Item>
      <Item>
        <rasd:AddressOnParent>7</rasd:AddressOnParent>
        <rasd:AutomaticAllocation>true</rasd:AutomaticAllocation>
        <rasd:Connection>VM Network</rasd:Connection>
        <rasd:Description>{{x .Network}} ethernet adapter on &#34;VM Network&#34;</rasd:Description>
        <rasd:ElementName>Network adapter 1</rasd:ElementName>
        <rasd:InstanceID>5</rasd:InstanceID>
        <rasd:ResourceSubType>{{x .Network}}</rasd:ResourceSubType>
        <rasd:ResourceType>10</rasd:ResourceType>
        <vmw:Config ovf:required="false" vmw:key="connectable.allowGuestControl" vmw:value="true"/>
        <vmw:Config ovf:required="false" vmw:key="wakeOnLanEnabled" vmw:value="false"/>
      </Item>
{{- if .CDROM}}
      <Item>
        <rasd:Address>0</rasd:Address>
        <rasd:Description>IDE Controller</rasd:Description>
        <rasd:ElementName>VirtualIDEController 0</rasd:ElementName>
        <rasd:InstanceID>6</rasd:InstanceID>
        <rasd:ResourceType>5</rasd:ResourceType>
      </Item>
      <Item ovf:required="false">
        <rasd:AddressOnParent>0</rasd:AddressOnParent>
        <rasd:AutomaticAllocation>false</rasd:AutomaticAllocation>
        <rasd:ElementName>CD-ROM 1</rasd:ElementName>
        <rasd:InstanceID>7</rasd:InstanceID>
        <rasd:Parent>6</rasd:Parent>
        <rasd:ResourceSubType>vmware.cdrom.atapi</rasd:ResourceSubType>
        <rasd:ResourceType>15</rasd:ResourceType>
      </Item>
{{- end}}
{{- if .NestedVirt}}
      <vmw:Config ovf:required="false" vmw:key="nestedHVEnabled" vmw:value="true"/>
{{- end}}
    </VirtualHardwareSection>
    <ProductSection>
      <Info>Information about the installed software</Info>
      <Product>{{x .ProductName}}</Product>
      <Vendor>{{x .Vendor}}</Vendor>
      <Version>{{x .Version}}</Version>
    </ProductSection>
  </VirtualSystem>
</Envelope>
`)

// ovaManifest is an OVF manifest (desc.mf): the SHA256 of each file before
// it, in package order.
func ovaManifest(files []string, sums []string) []byte {
	var b strings.Builder
	for i, f := range files {
		fmt.Fprintf(&b, "SHA256(%s)= %s\n", f, sums[i])
	}
	return []byte(b.String())
}

// rhevOVF is RHEVOVFPackage's <tpl>.ovf (oVirt's OVF 0.9 dialect).
type rhevOVF struct {
	Name        string
	ImageUUID   string
	VolumeUUID  string
	TemplateID  string
	SnapshotID  string
	VolSize     int64 // the disk's virtual size in bytes
	VolSizeGiB  int64 // rounded up
	Created     string
	CPUs        int
	MemoryMB    int
	Description string
	Display     string
	OS          string
}

var rhevOVFTemplate = lazyTemplate("rhev", `<?xml version="1.0" encoding="UTF-8"?>
<ovf:Envelope xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1/" xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData" xmlns:vssd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ovf:version="0.9">
  <References>
    <File ovf:href="{{.ImageUUID}}/{{.VolumeUUID}}" ovf:id="{{.VolumeUUID}}" ovf:size="{{.VolSize}}" ovf:description="{{x .Name}}"/>
  </References>
  <Section xsi:type="ovf:NetworkSection_Type">
    <Info>List of Networks</Info>
  </Section>
  <Section xsi:type="ovf:DiskSection_Type">
    <Disk ovf:diskId="{{.VolumeUUID}}" ovf:size="{{.VolSizeGiB}}" ovf:vm_snapshot_id="{{.SnapshotID}}" ovf:actual_size="{{.VolSizeGiB}}" ovf:format="http://www.vmware.com/specifications/vmdk.html#sparse" ovf:parentRef="" ovf:fileRef="{{.ImageUUID}}/{{.VolumeUUID}}" ovf:volume-type="Sparse" ovf:volume-format="COW" ovf:disk-interface="VirtIO" ovf:disk-type="System" ovf:boot="true" ovf:wipe-after-delete="false"/>
  </Section>
  <Content xsi:type="ovf:VirtualSystem_Type" ovf:id="out">
    <Name>{{x .Name}}</Name>
    <TemplateId>{{.TemplateID}}</TemplateId>
    <Description>{{x .Description}}</Description>
    <Domain/>
    <CreationDate>{{.Created}}</CreationDate>
    <TimeZone/>
    <IsAutoSuspend>false</IsAutoSuspend>
    <VmType>1</VmType>
    <default_display_type>{{x .Display}}</default_display_type>
    <default_boot_sequence>1</default_boot_sequence>
    <Section xsi:type="ovf:OperatingSystemSection_Type" ovf:id="{{.TemplateID}}" ovf:required="false">
      <Info>Guest OS</Info>
      <Description>{{x .OS}}</Description>
    </Section>
    <Section xsi:type="ovf:VirtualHardwareSection_Type">
      <Info>{{.CPUs}} CPU, {{.MemoryMB}} Memory</Info>
      <System>
        <vssd:VirtualSystemType>RHEVM 4.6.0.163</vssd:VirtualSystemType>
      </System>
      <Item>
        <rasd:Caption>{{.CPUs}} virtual CPU</rasd:Caption>
        <rasd:Description>Number of virtual CPU</rasd:Description>
        <rasd:InstanceId>1</rasd:InstanceId>
        <rasd:ResourceType>3</rasd:ResourceType>
        <rasd:num_of_sockets>1</rasd:num_of_sockets>
        <rasd:cpu_per_socket>{{.CPUs}}</rasd:cpu_per_socket>
      </Item>
      <Item>
        <rasd:Caption>{{.MemoryMB}} MB of memory</rasd:Caption>
        <rasd:Description>Memory Size</rasd:Description>
        <rasd:InstanceId>2</rasd:InstanceId>
        <rasd:ResourceType>4</rasd:ResourceType>
        <rasd:AllocationUnits>MegaBytes</rasd:AllocationUnits>
        <rasd:VirtualQuantity>{{.MemoryMB}}</rasd:VirtualQuantity>
      </Item>
      <Item>
        <rasd:Caption>Drive 1</rasd:Caption>
        <rasd:InstanceId>{{.VolumeUUID}}</rasd:InstanceId>
        <rasd:ResourceType>17</rasd:ResourceType>
        <rasd:HostResource>{{.ImageUUID}}/{{.VolumeUUID}}</rasd:HostResource>
        <rasd:Parent>00000000-0000-0000-0000-000000000000</rasd:Parent>
        <rasd:Template>00000000-0000-0000-0000-000000000000</rasd:Template>
        <rasd:ApplicationList/>
        <rasd:StorageId>00000000-0000-0000-0000-000000000000</rasd:StorageId>
        <rasd:StoragePoolId>00000000-0000-0000-0000-000000000000</rasd:StoragePoolId>
        <rasd:CreationDate>{{.Created}}</rasd:CreationDate>
        <rasd:LastModified>{{.Created}}</rasd:LastModified>
      </Item>
      <Item>
        <rasd:Caption>Ethernet 0 rhevm</rasd:Caption>
        <rasd:InstanceId>3</rasd:InstanceId>
        <rasd:ResourceType>10</rasd:ResourceType>
        <rasd:ResourceSubType>3</rasd:ResourceSubType>
        <rasd:Connection>rhevm</rasd:Connection>
        <rasd:Name>eth0</rasd:Name>
        <rasd:speed>1000</rasd:speed>
      </Item>
      <Item>
        <rasd:Caption>Graphics</rasd:Caption>
        <rasd:InstanceId>5</rasd:InstanceId>
        <rasd:ResourceType>20</rasd:ResourceType>
        <rasd:VirtualQuantity>1</rasd:VirtualQuantity>
      </Item>
    </Section>
  </Content>
</ovf:Envelope>
`)

// rhevMeta is RHEVMetaFile: the volume's metadata beside it in images/.
func rhevMeta(imageUUID string, volSize int64) []byte {
	zero := "00000000-0000-0000-0000-000000000000"
	var b strings.Builder
	for _, kv := range [][2]string{
		{"DOMAIN", zero}, {"VOLTYPE", "LEAF"}, {"CTIME", fmt.Sprint(epoch.Unix())}, {"FORMAT", "COW"},
		{"IMAGE", imageUUID}, {"DISKTYPE", "1"}, {"PUUID", zero}, {"LEGALITY", "LEGAL"},
		{"MTIME", fmt.Sprint(epoch.Unix())}, {"POOL_UUID", zero}, {"SIZE", fmt.Sprint(volSize / 512)},
		{"TYPE", "SPARSE"}, {"DESCRIPTION", "Uploaded by Image Factory"},
	} {
		fmt.Fprintf(&b, "%s=%s\n", kv[0], kv[1])
	}
	b.WriteString("EOF\n")
	return []byte(b.String())
}

// rhevDate is RHEV's date format.
func rhevDate(t time.Time) string { return t.Format("2006/01/02 15:04:05") }

// virtualBoxOVF is VirtualBoxOVFPackage's box.ovf.
type virtualBoxOVF struct {
	Name     string // ovf_name with spaces made underscores
	DiskFile string
	Capacity int64
	Stream   bool // streamOptimized (else monolithicSparse)
	CPUs     int
	MemoryMB int
	OSID     string
	OSType   string
	DiskUUID string
	MAC      string
}

var virtualBoxOVFTemplate = lazyTemplate("vbox", `<?xml version="1.0" encoding="UTF-8"?>
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData" xmlns:vbox="http://www.virtualbox.org/ovf/machine" xmlns:vssd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ovf:version="1.0" xml:lang="en-US">
  <References>
    <File ovf:href="{{x .DiskFile}}" ovf:id="file1"/>
  </References>
  <DiskSection>
    <Info>List of the virtual disks used in the package</Info>
    <Disk ovf:capacity="{{.Capacity}}" ovf:diskId="vmdisk1" ovf:fileRef="file1" ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html#{{if .Stream}}streamOptimized{{else}}sparse{{end}}" vbox:uuid="{{.DiskUUID}}"/>
  </DiskSection>
  <NetworkSection>
    <Info>Logical networks used in the package</Info>
    <Network ovf:name="NAT">
      <Description>Logical network used by this appliance.</Description>
    </Network>
  </NetworkSection>
  <VirtualSystem ovf:id="{{x .Name}}">
    <Info>A virtual machine</Info>
    <OperatingSystemSection ovf:id="{{.OSID}}">
      <Info>The kind of installed guest operating system</Info>
      <Description>{{.OSType}}</Description>
      <vbox:OSType ovf:required="false">{{.OSType}}</vbox:OSType>
    </OperatingSystemSection>
    <VirtualHardwareSection>
      <Info>Virtual hardware requirements for a virtual machine</Info>
      <System>
        <vssd:ElementName>Virtual Hardware Family</vssd:ElementName>
        <vssd:InstanceID>0</vssd:InstanceID>
        <vssd:VirtualSystemIdentifier>{{x .Name}}</vssd:VirtualSystemIdentifier>
        <vssd:VirtualSystemType>virtualbox-2.2</vssd:VirtualSystemType>
      </System>
      <Item>
        <rasd:Caption>{{.CPUs}} virtual CPU</rasd:Caption>
        <rasd:Description>Number of virtual CPUs</rasd:Description>
        <rasd:ElementName>{{.CPUs}} virtual CPU</rasd:ElementName>
        <rasd:InstanceID>1</rasd:InstanceID>
        <rasd:ResourceType>3</rasd:ResourceType>
        <rasd:VirtualQuantity>{{.CPUs}}</rasd:VirtualQuantity>
      </Item>
      <Item>
        <rasd:AllocationUnits>MegaBytes</rasd:AllocationUnits>
        <rasd:Caption>{{.MemoryMB}} MB of memory</rasd:Caption>
        <rasd:Description>Memory Size</rasd:Description>
        <rasd:ElementName>{{.MemoryMB}} MB of memory</rasd:ElementName>
        <rasd:InstanceID>2</rasd:InstanceID>
        <rasd:ResourceType>4</rasd:ResourceType>
        <rasd:VirtualQuantity>{{.MemoryMB}}</rasd:VirtualQuantity>
      </Item>
      <Item>
        <rasd:Address>0</rasd:Address>
        <rasd:Caption>ideController0</rasd:Caption>
        <rasd:Description>IDE Controller</rasd:Description>
        <rasd:ElementName>ideController0</rasd:ElementName>
        <rasd:InstanceID>3</rasd:InstanceID>
        <rasd:ResourceSubType>PIIX4</rasd:ResourceSubType>
        <rasd:ResourceType>5</rasd:ResourceType>
      </Item>
      <Item>
        <rasd:AddressOnParent>0</rasd:AddressOnParent>
        <rasd:Caption>disk1</rasd:Caption>
        <rasd:Description>Disk Image</rasd:Description>
        <rasd:ElementName>disk1</rasd:ElementName>
        <rasd:HostResource>/disk/vmdisk1</rasd:HostResource>
        <rasd:InstanceID>4</rasd:InstanceID>
        <rasd:Parent>3</rasd:Parent>
        <rasd:ResourceType>17</rasd:ResourceType>
      </Item>
      <Item>
        <rasd:Address>{{.MAC}}</rasd:Address>
        <rasd:AutomaticAllocation>true</rasd:AutomaticAllocation>
        <rasd:Caption>Ethernet adapter on &#39;NAT&#39;</rasd:Caption>
        <rasd:Connection>NAT</rasd:Connection>
        <rasd:ElementName>Ethernet adapter on &#39;NAT&#39;</rasd:ElementName>
        <rasd:InstanceID>5</rasd:InstanceID>
        <rasd:ResourceSubType>E1000</rasd:ResourceSubType>
        <rasd:ResourceType>10</rasd:ResourceType>
      </Item>
    </VirtualHardwareSection>
  </VirtualSystem>
</Envelope>
`)

// virtualBoxOS is VirtualBoxOVFDescriptor's OS id and type for an arch.
func virtualBoxOS(arch string) (id, typ string, err error) {
	switch arch {
	case "x86_64":
		return "80", "RedHat_64", nil
	case "i386", "i486", "i586", "i686":
		return "79", "RedHat", nil
	}
	return "", "", fmt.Errorf("VirtualBox runs i386 and x86_64 guests only, not %s", arch)
}

// fusionVMX is VMWareFusionVagrantOVFPackage's <ovf_name>.vmx.
type fusionVMX struct {
	Name       string
	CPUs       int
	MemoryMB   int
	SCSI       string
	Network    string
	NestedVirt bool
}

var fusionVMXTemplate = lazyTemplate("vmx", `.encoding = "UTF-8"
displayname = "{{vmx .Name}}"
guestos = "linux"
virtualhw.version = "8"
config.version = "8"
numvcpus = "{{.CPUs}}"
cpuid.coresPerSocket = "1"
memsize = "{{.MemoryMB}}"
pciBridge0.present = "TRUE"
pciBridge4.present = "TRUE"
pciBridge4.virtualDev = "pcieRootPort"
pciBridge4.functions = "8"
vmci0.present = "TRUE"
scsi0.present = "TRUE"
scsi0.virtualDev = "{{vmx .SCSI}}"
scsi0:0.present = "TRUE"
scsi0:0.deviceType = "disk"
scsi0:0.fileName = "{{vmx .Name}}-disk1.vmdk"
scsi0:0.mode = "persistent"
ethernet0.present = "TRUE"
ethernet0.virtualDev = "{{vmx .Network}}"
ethernet0.connectionType = "bridged"
ethernet0.startConnected = "TRUE"
ethernet0.addressType = "generated"
floppy0.present = "FALSE"
cleanShutdown = "TRUE"
tools.syncTime = "FALSE"
vhv.enable = "{{if .NestedVirt}}TRUE{{else}}FALSE{{end}}"
`)

// hypervXML is HyperVOVFDescriptor's "Virtual Machines/vm.XML": a Hyper-V
// (2012) exported machine, with what Vagrant's import_vm_xml.ps1 reads.
type hypervXML struct {
	Name     string
	CPUs     int
	MemoryMB int
	Created  string // base64 of the big-endian Windows tick count, newline-terminated
	ID       string
}

var hypervXMLTemplate = lazyTemplate("hyperv", `<?xml version="1.0" encoding="UTF-16" standalone="yes"?>
<configuration>
  <_83f8638b-8dca-4152-9eda-2ca8b33039b4_>
    <controller0>
      <drive0>
        <pathname type="string">Virtual Hard Disks\disk.vhd</pathname>
        <type type="string">VHD</type>
      </drive0>
    </controller0>
  </_83f8638b-8dca-4152-9eda-2ca8b33039b4_>
  <properties>
    <creation_time type="bytes">{{.Created}}</creation_time>
    <global_id type="string">{{.ID}}</global_id>
    <name type="string">{{x .Name}}</name>
    <notes type="string"></notes>
    <subtype type="integer">0</subtype>
    <type_id type="string">Virtual Machines</type_id>
    <version type="integer">1280</version>
  </properties>
  <settings>
    <boot>
      <device0 type="string">HardDrive</device0>
    </boot>
    <memory>
      <bank>
        <dynamic_memory_enabled type="bool">False</dynamic_memory_enabled>
        <limit type="integer">1048576</limit>
        <reservation type="integer">512</reservation>
        <size type="integer">{{.MemoryMB}}</size>
      </bank>
    </memory>
    <processors>
      <count type="integer">{{.CPUs}}</count>
    </processors>
  </settings>
</configuration>
`)

// windowsTicks is Hyper-V's creation_time: 100 ns ticks since 1601, as 8
// big-endian bytes in base64, then a newline.
func windowsTicks(t time.Time) string {
	const toUnix = 11644473600 // seconds from 1601-01-01 to 1970-01-01
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(t.Unix()+toUnix)*10_000_000)
	return base64.StdEncoding.EncodeToString(b[:]) + "\n"
}

// utf16CRLF encodes a document as UTF-16 little endian with a byte order
// mark and DOS line ends, as Hyper-V writes them.
func utf16CRLF(s string) []byte {
	s = strings.ReplaceAll(s, "\n", "\r\n")
	u := utf16.Encode([]rune(s))
	out := make([]byte, 2, 2+2*len(u))
	out[0], out[1] = 0xff, 0xfe
	for _, c := range u {
		out = binary.LittleEndian.AppendUint16(out, c)
	}
	return out
}

// Vagrantfiles ImageFactory writes into each kind of box; %s is the synced
// folder (vagrant_sync_directory).
const (
	libvirtVagrantfile = `Vagrant.configure('2') do |config|
        config.vm.synced_folder ".", "%s", type: "rsync"
        config.vm.provider :libvirt do |libvirt|
                libvirt.driver = 'kvm'
                libvirt.connect_via_ssh = false
                libvirt.username = 'root'
                libvirt.storage_pool_name = 'default'
        end
end
`
	virtualBoxVagrantfile = `Vagrant.configure("2") do |config|
  config.vm.base_mac = "%s"
  config.vm.synced_folder ".", "%s", type: "rsync"
end
`
	fusionVagrantfile = `Vagrant.configure("2") do |config|
  config.vm.synced_folder ".", "%s", type: "rsync"
end
`
	hypervVagrantfile = `Vagrant.configure("2") do |config|
  config.vm.synced_folder ".", "%s", type: "rsync", disabled: "true"
end
`
)

// boxMetadata is a vagrant box's metadata.json.
type boxMetadata struct {
	Provider    string `json:"provider"`
	Format      string `json:"format,omitempty"`
	VirtualSize int64  `json:"virtual_size,omitempty"`
}

func (m boxMetadata) bytes() []byte {
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return append(b, '\n')
}

// libvirtBoxSize is LibvirtVagrantOVFPackage's virtual_size: whole GiB of
// the disk, plus one (so an exact 10 GiB disk says 11, as in Koji).
func libvirtBoxSize(size int64) int64 { return size/(1<<30) + 1 }
