package syncclient

import (
	"context"
	"fmt"
	"net/url"

	"vetdesk/syncapi"
)

// Applications returns the 网上申请 of the desk's office (#13), newest
// first, as the hub holds them.
func (c *Client) Applications(ctx context.Context) ([]syncapi.Application, error) {
	if err := c.connect(ctx); err != nil {
		return nil, err
	}
	var out []syncapi.Application
	if err := c.do(ctx, "GET", syncapi.PathApplications, nil, &out); err != nil {
		return nil, fmt.Errorf("applications: %w", err)
	}
	return out, nil
}

// DecideApplication sends the desk's decision on application id (通过 with
// an appointment, 退回 with reasons, or taken with the case number) and
// returns the application as it now stands; the hub notifies the veteran.
func (c *Client) DecideApplication(ctx context.Context, id string, d syncapi.ApplicationDecision) (syncapi.Application, error) {
	var out syncapi.Application
	if err := c.connect(ctx); err != nil {
		return out, err
	}
	if err := c.do(ctx, "POST", syncapi.PathApplications+url.PathEscape(id), d, &out); err != nil {
		return out, fmt.Errorf("decide application: %w", err)
	}
	return out, nil
}
