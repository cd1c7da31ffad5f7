package hub

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"vetdesk/syncapi"
)

// TestSlowBodiesAreCut: against the hub as Serve runs it on a real
// listener, unauthenticated enrolments trickling their bodies a byte at a
// time, more of them than the connection cap, are each closed by the read
// timeout, and a legitimate request still gets through.
func TestSlowBodiesAreCut(t *testing.T) {
	h := newTestHub(t, Options{ReadTimeout: 500 * time.Millisecond, MaxConns: 8})
	cert, err := LoadOrCreateCert(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- h.Serve(ctx, ln, cert) }()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve = %v", err)
		}
	}()
	tlsCfg := &tls.Config{InsecureSkipVerify: true} // the hub's own self-signed certificate

	// Far longer than the read timeout: a connection still open then was
	// not cut.
	const held = 30 * time.Second
	const slow = 24
	ended := make(chan error, slow)
	stop := make(chan struct{})
	defer close(stop)
	for range slow {
		go func() {
			conn, err := tls.DialWithDialer(&net.Dialer{Timeout: held}, "tcp", addr, tlsCfg)
			if err != nil {
				ended <- fmt.Errorf("dial: %w", err)
				return
			}
			defer conn.Close()
			fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n{", syncapi.PathEnrol)
			go func() { // a byte every 50 ms, until the hub hangs up
				tick := time.NewTicker(50 * time.Millisecond)
				defer tick.Stop()
				for {
					select {
					case <-stop:
						return
					case <-tick.C:
						if _, err := conn.Write([]byte(" ")); err != nil {
							return
						}
					}
				}
			}()
			conn.SetReadDeadline(time.Now().Add(held))
			_, err = io.Copy(io.Discard, conn)
			if errors.Is(err, os.ErrDeadlineExceeded) {
				ended <- err
				return
			}
			ended <- nil // the hub answered and closed, or reset
		}()
	}

	client := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg}, Timeout: held}
	defer client.CloseIdleConnections()
	resp, err := client.Get("https://" + addr + syncapi.PathHealth)
	if err != nil {
		t.Fatalf("GET health beside the slow bodies = %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET health beside the slow bodies = %d, want 200", resp.StatusCode)
	}
	for range slow {
		if err := <-ended; err != nil {
			t.Errorf("slow enrolment = %v, want its connection closed by the hub", err)
		}
	}
}
