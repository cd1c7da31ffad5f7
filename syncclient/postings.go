package syncclient

import (
	"context"
	"fmt"

	"vetdesk/syncapi"
)

// Postings returns the 就业培训 postings of the desk's office (#13), newest
// first, with their sign-up counts, as the hub holds them.
func (c *Client) Postings(ctx context.Context) ([]syncapi.Posting, error) {
	if err := c.connect(ctx); err != nil {
		return nil, err
	}
	var out []syncapi.Posting
	if err := c.do(ctx, "GET", syncapi.PathPostings, nil, &out); err != nil {
		return nil, fmt.Errorf("postings: %w", err)
	}
	return out, nil
}

// PublishPostings publishes ps for the desk's office on the public site,
// all or none: a posting with the id of one published replaces it.
func (c *Client) PublishPostings(ctx context.Context, ps []syncapi.Posting) error {
	if err := c.connect(ctx); err != nil {
		return err
	}
	if err := c.do(ctx, "POST", syncapi.PathPostings, ps, nil); err != nil {
		return fmt.Errorf("publish postings: %w", err)
	}
	return nil
}
