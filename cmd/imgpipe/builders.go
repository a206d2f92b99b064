package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/imgpipe/imgpipe/engine"
)

// serviceInfo is what inspectService learns of a builder's podman service.
type serviceInfo struct {
	URI, Version, ImageID, ImageArch string
}

// builderState is one line of `imgpipe builders`.
type builderState struct {
	Name string `json:"name"`
	// Connection is the service's URI, without a password.
	Connection string   `json:"connection"`
	Arches     []string `json:"arches"`
	Jobs       int      `json:"jobs"`
	// State is "ok", "unreachable", "no image" (a run pulls it), or
	// "image differs" (its image's ID is not the one of the builders
	// before it in a pool it is in: a run skips it).
	State     string `json:"state"`
	Reachable bool   `json:"reachable"`
	Podman    string `json:"podman_version,omitempty"`
	Image     string `json:"image,omitempty"`
	// ImagePresent: the service has Image; ImageID and ImageArch are its.
	ImagePresent bool   `json:"image_present"`
	ImageID      string `json:"image_id,omitempty"`
	ImageArch    string `json:"image_arch,omitempty"`
	Error        string `json:"error,omitempty"`
}

// builderTimeout bounds the look at one builder.
const builderTimeout = 20 * time.Second

func cmdBuilders(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("builders", "RECIPE")
	format := registerFormat(fs, "text", "json")
	var rf recipeFlags
	rf.register(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("builders takes one recipe, whose executor blocks are the builders; got %d arguments", len(pos))
	}
	plan, _, err := a.prepare(ctx, pos[0], rf, forCheck)
	if err != nil {
		return err
	}
	states := inspectBuilders(ctx, plan.ExecutorBlocks)
	unreachable := false
	for _, s := range states {
		unreachable = unreachable || !s.Reachable
	}
	if format.json() {
		if states == nil {
			states = []builderState{}
		}
		b, _ := json.MarshalIndent(states, "", "  ")
		fmt.Fprintf(a.stdout, "%s\n", b)
	} else if len(states) == 0 {
		fmt.Fprintf(a.stdout, "%s has no executor blocks: every stage runs on this machine.\n", pos[0])
	} else {
		tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tSTATE\tARCHES\tJOBS\tPODMAN\tIMAGE\tCONNECTION")
		for _, s := range states {
			image := s.Image
			if s.ImageID != "" {
				image += " (" + s.ImageID[:min(12, len(s.ImageID))] + ")"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", s.Name, s.State, strings.Join(s.Arches, ","), s.Jobs,
				orDash(s.Podman), orDash(image), s.Connection)
		}
		tw.Flush()
		for _, s := range states {
			if s.Error != "" {
				fmt.Fprintf(a.stdout, "%s: %s\n", s.Name, s.Error)
			}
		}
	}
	if unreachable {
		return &silentError{code: exitFailed}
	}
	return nil
}

// inspectBuilders looks at every executor block's service at once, each
// as a run would connect to it, and then compares the image IDs of each
// arch's pool.
func inspectBuilders(ctx context.Context, blocks []*engine.ExecutorBlock) []builderState {
	states := make([]builderState, len(blocks))
	var wg sync.WaitGroup
	for i, b := range blocks {
		states[i] = builderState{Name: b.Name, Connection: b.Connection, Arches: b.Arches, Jobs: b.Jobs, Image: b.Image}
		wg.Go(func() {
			s := &states[i]
			bctx, cancel := context.WithTimeout(ctx, builderTimeout)
			defer cancel()
			info, err := inspectService(bctx, b.Connection, b.IdentityFile, b.Image)
			if info.URI != "" {
				s.Connection = info.URI
			}
			s.Podman, s.ImageID, s.ImageArch = info.Version, info.ImageID, info.ImageArch
			s.Reachable = info.Version != ""
			s.ImagePresent = info.ImageID != ""
			switch {
			case !s.Reachable:
				s.State = "unreachable"
			case err == nil && b.Image != "" && !s.ImagePresent:
				s.State = "no image"
			default:
				s.State = "ok"
			}
			if err != nil {
				s.Error = err.Error()
			}
		})
	}
	wg.Wait()
	// The first builder of a pool with the image sets the pool's ID.
	poolID := map[string]string{}
	for i, b := range blocks {
		for _, arch := range b.Arches {
			id := states[i].ImageID
			switch want, ok := poolID[arch]; {
			case id == "":
			case !ok:
				poolID[arch] = id
			case id != want && states[i].State == "ok":
				states[i].State = "image differs"
				states[i].Error = fmt.Sprintf("its image %s is not the %s of the builders before it in the %s pool: a run skips it for that image", id, want, arch)
			}
		}
	}
	return states
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
