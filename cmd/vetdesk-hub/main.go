// Command vetdesk-hub is the central server of vetdesk: it holds every case
// of its city, routes tasks to departments and serves the change feed the
// desktops sync with. It builds with CGO_ENABLED=0.
//
// Usage:
//
//	vetdesk-hub -version
//	vetdesk-hub [-data DIR] serve [-listen :8443] [-host name,ip] [-public-listen :443 -public-url https://… [-public-cert F -public-key F] [-public-trust-proxy]]
//	vetdesk-hub [-data DIR] enrol --station NAME --office CODE [--department CODE] [--ttl 72h]
//	vetdesk-hub [-data DIR] enrol --reenrol DEVICE_ID [--station NAME --office CODE] [--ttl 72h]
//	vetdesk-hub [-data DIR] user add --login L --name N --role R [--office O] [--department D]
//	vetdesk-hub [-data DIR] dept-key --department CODE [--webhook URL]
//	vetdesk-hub [-data DIR] dept-key list
//	vetdesk-hub [-data DIR] revoke --device ID | --dept-key-id ID | --dept-key KEY
//
// The password of `user add` is read from the VETDESK_PASSWORD variable or
// the first line of standard input. hub.db, the replica and the snapshots
// are sealed (SM4-XTS) with the hub's data key: $VETDESK_HUB_KEY (64 hex
// digits) when set, else the file -key-file (default: hub.key in the data
// folder), made owner-only with a new random key on first start. The TLS certificate is made on first
// use and kept in the data folder; `enrol` prints its SHA-256 fingerprint
// for the desktop to pin.
package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"vetdesk/assets"
	"vetdesk/casework"
	"vetdesk/hub"
	"vetdesk/internal/version"
	"vetdesk/store"
)

type common struct {
	data      string
	catalogue string
	logLevel  string
	hosts     string
	keyFile   string
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.data, "data", c.data, "data folder of the hub")
	fs.StringVar(&c.catalogue, "catalogue", c.catalogue, "catalogue folder (default: the embedded Weihai catalogue)")
	fs.StringVar(&c.logLevel, "log-level", c.logLevel, "debug, info, warn or error")
	fs.StringVar(&c.hosts, "host", c.hosts, "extra host names and IP addresses for a new certificate, comma-separated")
	fs.StringVar(&c.keyFile, "key-file", c.keyFile, "file of the hub's data key (default: hub.key in the data folder, made on first start); $"+hubKeyEnv+" (64 hex digits) overrides it")
}

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "vetdesk-hub:", err)
		os.Exit(1)
	}
}

const usage = `usage: vetdesk-hub [-data DIR] <command> [flags]
commands:
  serve     run the hub (flags: -listen, -host, -snapshot-min-cases, -snapshot-max-age, -max-clock-drift;
            the veterans' public site: -public-listen, -public-url, -public-cert, -public-key, -public-trust-proxy;
            their SMS notices: -sms-url, -sms-secret-env)
  enrol     make a one-time enrolment code: --station NAME --office CODE [--department CODE] [--ttl 72h];
            --reenrol DEVICE_ID makes one for an enrolled device only (reinstall, restore on another machine)
  user add  add a user: --login --name --role (clerk|handler|supervisor|admin) [--office] [--department]
  user set  change a user: --login L [--office] [--department] [--role] [--name]; user disable|enable --login L
  devices   list the enrolled devices with their last contact, longest silent first
  dept-key  make an API key for a department's system: --department CODE [--webhook URL];
            dept-key list shows every key by id with its webhooks
  portal-key  make the signing key of a city portal's inbound applications API: --name NAME (id and secret shown once)
  revoke    refuse a device's credential (--device ID) or a department key (--dept-key-id ID, or --dept-key KEY);
            a revoked key's webhooks are removed with it
  repair-clock  give the ops stamped more than -max-clock-drift ahead of the hub's clock a new stamp at the
            hub's clock (audited; devices pick the new stamps up at their next sync)
  verify    check a hukou letter's QR text (or - for standard input): valid, void, or invalid with the reason
            (audited; the same check as the /verify page); -id ID also checks the bearer's ID number;
            -root prints the hub's root public key
  audit list    the desks' audit entries as the hub received them (masked): -office, -device, -login, -action,
            -from, -to; -export FILE.xlsx writes them with the counts over the thresholds
  audit over    counts per user and day over -threshold (reveal=30,print=100,…), with the same filters
  audit reset   -device ID: after an alert is explained, the device's next sync starts a new chain (the old one kept)
  audit hub     the hub's own audit log (enrolments, revocations, recoveries, letter checks, resets), verified
  audit alerts  desks whose audit chain no longer extends what the hub holds (rewritten, broken, truncated)`

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	c := &common{data: defaultDataDir(), logLevel: "info"}
	top := flag.NewFlagSet("vetdesk-hub", flag.ContinueOnError)
	top.SetOutput(stderr)
	top.Usage = func() { fmt.Fprintln(stderr, usage); top.PrintDefaults() }
	c.register(top)
	showVersion := top.Bool("version", false, "print the version and exit")
	if err := top.Parse(args); err != nil {
		return err
	}
	if *showVersion {
		_, err := fmt.Fprintln(stdout, "vetdesk-hub", version.Version)
		return err
	}
	rest := top.Args()
	if len(rest) == 0 {
		top.Usage()
		return errors.New("no command")
	}
	cmd, rest := rest[0], rest[1:]
	switch cmd {
	case "serve":
		return serve(ctx, c, rest, stderr)
	case "enrol", "enroll":
		return enrol(ctx, c, rest, stdout, stderr)
	case "user":
		if len(rest) > 0 && rest[0] == "add" {
			return userAdd(ctx, c, rest[1:], stdin, stdout, stderr)
		}
		if len(rest) > 0 && (rest[0] == "set" || rest[0] == "disable" || rest[0] == "enable") {
			return userSet(ctx, c, rest[0], rest[1:], stdout, stderr)
		}
		return errors.New("usage: vetdesk-hub user add --login L --name N --role R [--office O] [--department D]\n" +
			"       vetdesk-hub user set --login L [--office O] [--department D] [--role R] [--name N]\n" +
			"       vetdesk-hub user disable|enable --login L")
	case "dept-key":
		return deptKey(ctx, c, rest, stdout, stderr)
	case "portal-key":
		return portalKey(ctx, c, rest, stdout, stderr)
	case "revoke":
		return revoke(ctx, c, rest, stdout, stderr)
	case "devices":
		return devices(ctx, c, rest, stdout, stderr)
	case "repair-clock":
		return repairClock(ctx, c, rest, stdout, stderr)
	case "verify":
		return verifyLetter(ctx, c, rest, stdin, stdout, stderr)
	case "audit":
		return auditCmd(ctx, c, rest, stdout, stderr)
	}
	top.Usage()
	return fmt.Errorf("unknown command %q", cmd)
}

func logger(c *common, w io.Writer) *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.logLevel)); err != nil {
		lvl = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: lvl}))
}

func loadCatalogue(c *common) (*casework.Catalogue, error) {
	if c.catalogue == "" {
		return casework.LoadFrom(assets.CatalogueFS, assets.CityCatalogue, assets.AreaCodesFile)
	}
	areas, err := fs.Sub(assets.CatalogueFS, "gb2260")
	if err != nil {
		return nil, err
	}
	f, err := areas.Open("codes.tsv")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	codes, err := casework.LoadAreaCodes(f)
	if err != nil {
		return nil, err
	}
	return casework.LoadCatalogue(os.DirFS(c.catalogue), ".", codes)
}

// flags is a subcommand's flag set with the common flags registered.
func (c *common) flags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	c.register(fs)
	return fs
}

// open opens the hub of the data folder, logging to stderr.
func (c *common) open(stderr io.Writer) (*hub.Hub, error) { return openHub(c, logger(c, stderr)) }

func openHub(c *common, log *slog.Logger, tune ...func(*hub.Options)) (*hub.Hub, error) {
	cat, err := loadCatalogue(c)
	if err != nil {
		return nil, fmt.Errorf("catalogue: %w", err)
	}
	var files map[string]string
	if c.catalogue == "" {
		files, err = casework.CatalogueFiles(assets.CatalogueFS, assets.CityCatalogue)
	} else {
		files, err = casework.CatalogueFiles(os.DirFS(c.catalogue), ".")
	}
	if err != nil {
		return nil, err
	}
	key, err := hubKey(c)
	if err != nil {
		return nil, err
	}
	opt := hub.Options{Catalogue: cat, CatalogueFiles: files, Logger: log, Key: key}
	for _, t := range tune {
		t(&opt)
	}
	return hub.Open(c.data, opt)
}

func hostList(s string) []string {
	var out []string
	for _, h := range strings.Split(s, ",") {
		if h = strings.TrimSpace(h); h != "" {
			out = append(out, h)
		}
	}
	return out
}

func serve(ctx context.Context, c *common, args []string, stderr io.Writer) error {
	fs := c.flags("serve", stderr)
	listen := fs.String("listen", ":8443", "address to listen on (HTTPS)")
	minCases := fs.Int("snapshot-min-cases", hub.DefaultSnapshotMinCases,
		"offer new desktops of an office with at least this many cases a snapshot instead of the whole feed (-1: never)")
	maxAge := fs.Duration("snapshot-max-age", hub.DefaultSnapshotMaxAge, "rebuild an office's snapshot when it is this old")
	drift := fs.Duration("max-clock-drift", store.DefaultMaxDrift,
		"refuse ops stamped more than this ahead of the hub's clock (the clerk sees 本机时间不正确)")
	pubListen := fs.String("public-listen", "", "address of the public site for veterans (HTTPS, its own listener); empty: none")
	pubURL := fs.String("public-url", "", "the public site's address as veterans reach it (https://…): the receipts' QR codes point under it")
	pubCert := fs.String("public-cert", "", "PEM certificate (chain) of the public site; default: the hub's own")
	pubKey := fs.String("public-key", "", "PEM private key of -public-cert")
	pubProxy := fs.Bool("public-trust-proxy", false, "the public site is behind a reverse proxy: tell clients apart by the last X-Forwarded-For address")
	smsURL := fs.String("sms-url", "", "the SMS gateway the veterans' notices are posted to (JSON, signed); empty: notices only on the progress page")
	smsSecretEnv := fs.String("sms-secret-env", "", "name of the environment variable holding the SMS gateway's signing secret")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := checkPublic(*pubListen, *pubURL, *pubCert, *pubKey); err != nil {
		return err
	}
	var sms *hub.SMSGateway
	if *smsURL != "" {
		if u, err := url.Parse(*smsURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("serve: -sms-url %q: want an http(s) URL", *smsURL)
		}
		secret := os.Getenv(*smsSecretEnv)
		if *smsSecretEnv == "" || secret == "" {
			return errors.New("serve: -sms-url needs -sms-secret-env naming a variable that holds the signing secret")
		}
		sms = &hub.SMSGateway{URL: *smsURL, Secret: []byte(secret)}
	}
	log := logger(c, stderr)
	h, err := openHub(c, log, func(o *hub.Options) {
		o.SnapshotMinCases, o.SnapshotMaxAge, o.MaxClockDrift = *minCases, *maxAge, *drift
		o.PublicURL, o.PublicTrustProxy, o.SMS = strings.TrimRight(*pubURL, "/"), *pubProxy, sms
	})
	if err != nil {
		return err
	}
	defer h.Close()
	cert, err := hub.LoadOrCreateCert(c.data, hostList(c.hosts))
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	var pubLn net.Listener
	pubTLS := cert
	if *pubListen != "" {
		if *pubCert != "" {
			if pubTLS, err = tls.LoadX509KeyPair(*pubCert, *pubKey); err != nil {
				ln.Close()
				return fmt.Errorf("public site certificate: %w", err)
			}
		}
		if pubLn, err = net.Listen("tcp", *pubListen); err != nil {
			ln.Close()
			return err
		}
	}
	var workers sync.WaitGroup
	workers.Go(func() { h.RunWebhooks(ctx) })
	workers.Go(func() { h.KeepSnapshots(ctx) })
	workers.Go(func() { h.RunNotices(ctx) })
	var pubErr error
	if pubLn != nil {
		log.Info("public site listening", "addr", pubLn.Addr().String(), "url", *pubURL)
		workers.Go(func() {
			if pubErr = h.ServePublic(ctx, pubLn, pubTLS); pubErr != nil {
				stop() // the hub does not go on without the site it was told to serve
			}
		})
	}
	log.Info("hub listening", "addr", ln.Addr().String(), "data", c.data, "hub", h.ID(), "fingerprint", hub.Fingerprint(cert))
	err = h.Serve(ctx, ln, cert)
	stop() // when the server ended on its own, the workers end too
	workers.Wait()
	err = errors.Join(err, pubErr)
	log.Info("stopped")
	return err
}

// checkPublic refuses a public site half configured: a listener without
// the URL the receipts point at or the other way round, a URL that is not
// absolute https, a certificate without its key.
func checkPublic(listen, u, cert, key string) error {
	if (listen == "") != (u == "") {
		return errors.New("serve: -public-listen and -public-url go together")
	}
	if (cert == "") != (key == "") {
		return errors.New("serve: -public-cert and -public-key go together")
	}
	if u == "" {
		if cert != "" {
			return errors.New("serve: -public-cert without -public-listen")
		}
		return nil
	}
	p, err := url.Parse(u)
	if err != nil || p.Scheme != "https" || p.Host == "" || p.RawQuery != "" || p.Fragment != "" || p.User != nil {
		return fmt.Errorf("serve: -public-url %q: want https://host[:port][/path]", u)
	}
	return nil
}

func enrol(ctx context.Context, c *common, args []string, stdout, stderr io.Writer) error {
	fs := c.flags("enrol", stderr)
	station := fs.String("station", "", "name of the station or counter")
	office := fs.String("office", "", "org unit code of the office, e.g. 371002")
	dept := fs.String("department", "", "department code, for a department's desktop")
	ttl := fs.Duration("ttl", 72*time.Hour, "how long the code stays valid")
	reenrol := fs.String("reenrol", "", "id of an enrolled device to enrol again with a new credential (its old one stops working)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	h, err := c.open(stderr)
	if err != nil {
		return err
	}
	defer h.Close()
	code, err := h.CreateEnrolCode(ctx, hub.EnrolSpec{Station: *station, Office: *office, Department: *dept, TTL: *ttl, ForDevice: *reenrol})
	if err != nil {
		return err
	}
	cert, err := hub.LoadOrCreateCert(c.data, hostList(c.hosts))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "code:        %s\nfingerprint: %s\nvalid until: %s\n", code, hub.Fingerprint(cert),
		time.Now().Add(*ttl).Format(time.RFC3339))
	return nil
}

func userAdd(ctx context.Context, c *common, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := c.flags("user add", stderr)
	var u store.User
	fs.StringVar(&u.Login, "login", "", "login name")
	fs.StringVar(&u.Name, "name", "", "full name")
	fs.StringVar(&u.Role, "role", "", "clerk, handler, supervisor or admin")
	fs.StringVar(&u.Office, "office", "", "org unit code (empty: city level)")
	fs.StringVar(&u.Department, "department", "", "department code (handlers)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	pw := os.Getenv("VETDESK_PASSWORD")
	if pw == "" {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && line == "" {
			return errors.New("user add: no password (set VETDESK_PASSWORD or give it on standard input)")
		}
		pw = strings.TrimRight(line, "\r\n")
	}
	h, err := c.open(stderr)
	if err != nil {
		return err
	}
	defer h.Close()
	u, err = h.AddUser(ctx, u, pw)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "user %s (%s) added: id %s\n", u.Login, u.Role, u.ID)
	return nil
}

// userSet changes a user: set (office, department, role, name: only the
// flags given), disable or enable.
func userSet(ctx context.Context, c *common, verb string, args []string, stdout, stderr io.Writer) error {
	fs := c.flags("user "+verb, stderr)
	login := fs.String("login", "", "login name of the user")
	var office, dept, role, name optString
	if verb == "set" {
		fs.Var(&office, "office", "new org unit code (empty: city level)")
		fs.Var(&dept, "department", "new department code")
		fs.Var(&role, "role", "new role: clerk, handler, supervisor or admin")
		fs.Var(&name, "name", "new full name")
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *login == "" {
		return fmt.Errorf("user %s: --login is required", verb)
	}
	h, err := c.open(stderr)
	if err != nil {
		return err
	}
	defer h.Close()
	u, err := h.UserByLogin(ctx, *login)
	if err != nil {
		return err
	}
	office.apply(&u.Office)
	dept.apply(&u.Department)
	role.apply(&u.Role)
	name.apply(&u.Name)
	switch verb {
	case "disable":
		u.Disabled = true
	case "enable":
		u.Disabled = false
	}
	if err := h.UpdateUser(ctx, u); err != nil {
		return err
	}
	state := "enabled"
	if u.Disabled {
		state = "disabled"
	}
	fmt.Fprintf(stdout, "user %s (%s) office %q department %q: %s\n", u.Login, u.Role, u.Office, u.Department, state)
	return nil
}

// optString is a string flag that knows whether it was given.
type optString struct {
	v   string
	set bool
}

func (o *optString) String() string     { return o.v }
func (o *optString) Set(v string) error { o.v, o.set = v, true; return nil }
func (o *optString) apply(dst *string) {
	if o.set {
		*dst = o.v
	}
}

func deptKey(ctx context.Context, c *common, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "list" {
		return deptKeyList(ctx, c, args[1:], stdout, stderr)
	}
	fs := c.flags("dept-key", stderr)
	dept := fs.String("department", "", "department code")
	hook := fs.String("webhook", "", "URL that receives the department's task events (optional)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	h, err := c.open(stderr)
	if err != nil {
		return err
	}
	defer h.Close()
	key, err := h.CreateDeptKey(ctx, *dept)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "api key:        %s\nkey id:         %s\n", key, hub.DeptKeyID(key))
	if *hook != "" {
		secret, err := h.AddKeyWebhook(ctx, hub.DeptKeyID(key), *hook)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "webhook secret: %s\n", secret)
	}
	return nil
}

// portalKey makes the signing key of a provincial portal's inbound API
// (#13) and prints its id and secret once.
func portalKey(ctx context.Context, c *common, args []string, stdout, stderr io.Writer) error {
	fs := c.flags("portal-key", stderr)
	name := fs.String("name", "", "the portal's name, for the audit (e.g. 爱山东)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *name == "" {
		return errors.New("usage: vetdesk-hub portal-key --name NAME")
	}
	h, err := c.open(stderr)
	if err != nil {
		return err
	}
	defer h.Close()
	id, secret, err := h.CreatePortalKey(ctx, *name)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "key id: %s\nsecret: %s\n", id, secret)
	return err
}

// deptKeyList lists the department keys by id (the keys themselves are
// not kept), with their webhooks.
func deptKeyList(ctx context.Context, c *common, args []string, stdout, stderr io.Writer) error {
	fs := c.flags("dept-key list", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	h, err := c.open(stderr)
	if err != nil {
		return err
	}
	defer h.Close()
	keys, err := h.DeptKeys(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tDEPARTMENT\tCREATED\tSTATE\tWEBHOOKS")
	for _, k := range keys {
		state := "active"
		if !k.Revoked.IsZero() {
			state = "revoked " + k.Revoked.Local().Format("2006-01-02 15:04")
		}
		hooks := strings.Join(k.Webhooks, " ")
		if hooks == "" {
			hooks = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.ID, k.Department, k.Created.Local().Format("2006-01-02 15:04"), state, hooks)
	}
	return tw.Flush()
}

// devices lists the devices, the longest silent first (never seen before
// seen), so a counter that has not synced for days stands at the top.
func devices(ctx context.Context, c *common, args []string, stdout, stderr io.Writer) error {
	fs := c.flags("devices", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	h, err := c.open(stderr)
	if err != nil {
		return err
	}
	defer h.Close()
	ds, err := h.Devices(ctx)
	if err != nil {
		return err
	}
	sort.SliceStable(ds, func(i, j int) bool { return ds[i].LastSeen.Before(ds[j].LastSeen) })
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CODE\tKIND\tOFFICE\tSTATION\tDEPARTMENT\tLAST CONTACT\tSTATE\tID")
	when := func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return t.Local().Format("2006-01-02 15:04")
	}
	for _, d := range ds {
		state := "active"
		if !d.Revoked.IsZero() {
			state = "revoked " + when(d.Revoked)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", d.Code, d.Kind, d.Office, d.Station, d.Department, when(d.LastSeen), state, d.ID)
	}
	return tw.Flush()
}

func revoke(ctx context.Context, c *common, args []string, stdout, stderr io.Writer) error {
	fs := c.flags("revoke", stderr)
	dev := fs.String("device", "", "device id")
	key := fs.String("dept-key", "", "a department system's API key")
	keyID := fs.String("dept-key-id", "", "the id of a department key, as dept-key list shows it")
	if err := fs.Parse(args); err != nil {
		return err
	}
	given := 0
	for _, v := range []string{*dev, *key, *keyID} {
		if v != "" {
			given++
		}
	}
	if given != 1 {
		return fmt.Errorf("revoke: give one of --device ID, --dept-key-id ID or --dept-key KEY")
	}
	h, err := c.open(stderr)
	if err != nil {
		return err
	}
	defer h.Close()
	if *key != "" {
		*keyID = hub.DeptKeyID(*key)
	}
	if *keyID != "" {
		if err := h.RevokeDeptKeyID(ctx, *keyID); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "department key %s revoked, its webhooks removed\n", *keyID)
		return nil
	}
	if err := h.RevokeDevice(ctx, *dev); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "device %s revoked\n", *dev)
	return nil
}

func repairClock(ctx context.Context, c *common, args []string, stdout, stderr io.Writer) error {
	fs := c.flags("repair-clock", stderr)
	drift := fs.Duration("max-clock-drift", store.DefaultMaxDrift, "repair the ops stamped more than this ahead of the hub's clock")
	if err := fs.Parse(args); err != nil {
		return err
	}
	h, err := openHub(c, logger(c, stderr), func(o *hub.Options) { o.MaxClockDrift = *drift })
	if err != nil {
		return err
	}
	defer h.Close()
	res, err := h.RepairClock(ctx, "hub-admin")
	if err != nil {
		return err
	}
	if res.Ops == 0 {
		fmt.Fprintln(stdout, "no op is stamped ahead of the hub's clock")
		return nil
	}
	fmt.Fprintf(stdout, "restamped %d ops (the latest was stamped %s); new stamps %s to %s\n", res.Ops,
		res.Latest.Time().Format(time.RFC3339), res.From.Time().Format(time.RFC3339), res.To.Time().Format(time.RFC3339))
	return nil
}
