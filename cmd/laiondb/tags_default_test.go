//go:build !purego

package main

// buildTags are the tags this test binary was built with, for the laiondb
// TestSlurmStudy builds for its jobs.
const buildTags = ""
