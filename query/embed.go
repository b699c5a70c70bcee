package query

import (
	"context"
	"fmt"
)

// embedModel is the model embed() answers with: the embed_model setting,
// else the model of the txt column of the rows being read.
func (s *Session) embedModel(sch schema) string {
	if m := s.Setting("embed_model").S; m != "" {
		return m
	}
	for _, c := range sch {
		if c.typ == tVector && c.name == "txt" && c.model != "" {
			return c.model
		}
	}
	return ""
}

func (s *Session) resetEmbedder() {}

func (s *Session) embed(ctx context.Context, text string) ([]float32, error) {
	return nil, fmt.Errorf("embed: no embedding provider yet")
}
