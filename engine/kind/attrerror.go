package kind

// AttrError is a stage's run-time error about one of its attributes (a
// url whose download holds a link): the engine reports it at the
// attribute's place in the recipe, file:line:col, as it reports a
// configuration mistake.
type AttrError struct {
	Attr string
	Err  error
}

func (e *AttrError) Error() string { return e.Attr + ": " + e.Err.Error() }

func (e *AttrError) Unwrap() error { return e.Err }
