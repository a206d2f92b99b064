package main

import "github.com/imgpipe/imgpipe/internal/gogetter/helper"

func main() { helper.Main() }
