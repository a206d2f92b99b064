package stages

import (
	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/kind"
	"github.com/imgpipe/imgpipe/stages/bootverify"
	"github.com/imgpipe/imgpipe/stages/chroot"
	"github.com/imgpipe/imgpipe/stages/convert"
	"github.com/imgpipe/imgpipe/stages/exec"
	"github.com/imgpipe/imgpipe/stages/fetchks"
	"github.com/imgpipe/imgpipe/stages/flatten"
	"github.com/imgpipe/imgpipe/stages/guestinstall"
	"github.com/imgpipe/imgpipe/stages/koji"
	"github.com/imgpipe/imgpipe/stages/upload"
)

// All returns every stage kind, in pipeline order.
func All() []*kind.Kind {
	return []*kind.Kind{
		fetchks.Kind,
		flatten.Kind,
		chroot.Kind,
		guestinstall.Kind,
		bootverify.Kind,
		convert.Kind,
		upload.Kind,
		exec.Kind,
	}
}

// Presets returns every preset: Koji's image_build, livemedia, appliance
// and livecd.
func Presets() []*kind.Preset {
	return koji.Presets()
}

// Planner returns a planner that knows every kind and preset.
func Planner() *engine.Planner {
	return engine.NewPlanner(All(), Presets()...)
}
