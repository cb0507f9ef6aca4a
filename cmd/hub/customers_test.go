package main

import (
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"switchboard/model"
	"switchboard/sync/hub"
)

var quiet = hub.Config{Logger: slog.New(slog.DiscardHandler)}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestImportCustomersCommand(t *testing.T) {
	data, files := t.TempDir(), t.TempDir()
	csvFile := writeFile(t, files, "crm.csv", "customer_number,name,lifetime_value,notes\n"+
		"4711,Dr. Markus Brenner,182450.00,\"Prefers English.\nCalls at night.\"\n"+
		"10553,Anna Schulz,\"12,50\",\n"+
		",Nobody,,\n"+
		"4711,Markus Again,,\n")
	wantOut := csvFile + ": 1 accepted (new or changed), 1 unchanged, 3 rejected\n" +
		"line 4 (customer 10553): lifetime_value \"12,50\" is not a number (use . as decimal point)\n" +
		"line 5 (no customer number): empty customer number\n" +
		"line 6 (customer 4711): duplicate customer number 4711 (first on line 2)\n"

	// A record already there as it is counts as unchanged.
	l, err := hub.OpenBoltLog(data)
	if err != nil {
		t.Fatal(err)
	}
	h, err := hub.New(l, quiet)
	if err == nil {
		_, err = h.UpsertCustomer(model.Customer{ID: "4711", Name: "Dr. Markus Brenner", Tier: "basic", LifetimeValue: 182450,
			Notes: "Prefers English.\nCalls at night."})
	}
	l.Close()
	if err != nil {
		t.Fatal(err)
	}
	jsonFile := writeFile(t, files, "more", `{"customers": [{"id": "2001", "name": "Jonas Weber"}]}`)

	out, _, err := hubCmd(t, "import-customers", "--data", data, csvFile)
	if err != nil {
		t.Fatalf("rejected rows are no failure: %v", err)
	}
	wantOut = strings.Replace(wantOut, "1 accepted", "0 accepted", 1)
	if out != wantOut {
		t.Errorf("output\n%s\nwant\n%s", out, wantOut)
	}
	// The flags may follow the file; the type of a file without an
	// extension is sniffed.
	out, _, err = hubCmd(t, "import-customers", jsonFile, "--data", data)
	if err != nil || out != jsonFile+": 1 accepted (new or changed), 0 unchanged, 0 rejected\n" {
		t.Errorf("JSON file: %v\n%s", err, out)
	}

	l, err = hub.OpenBoltLog(data)
	if err != nil {
		t.Fatal(err)
	}
	h, err = hub.New(l, quiet)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"4711", "2001"} {
		if !h.HasCustomer(id) {
			t.Errorf("customer %s not in the hub", id)
		}
	}
	// While a hub holds the database: a clear error, soon.
	_, _, err = hubCmd(t, "import-customers", "--data", data, csvFile)
	if err == nil || !strings.Contains(err.Error(), "the hub is running; use POST /v1/customers") {
		t.Errorf("with the database held: %v", err)
	}
	l.Close()

	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"--data", data}, "takes one FILE"},
		{[]string{"--data", data, csvFile, jsonFile}, "takes one FILE"},
		{[]string{"--data", data, filepath.Join(files, "missing.csv")}, "no such file"},
		{[]string{"--data", filepath.Join(files, "nodata"), csvFile}, "data folder"},
		{[]string{"--data", data, writeFile(t, files, "bad.csv", "name;tier\nAnn;gold\n")},
			"bad.csv: cannot read the customer file: the header is separated by semicolons: save the file comma-separated"},
		{[]string{"--data", data, writeFile(t, files, "bad.json", "[{")}, "the JSON ends early"},
	} {
		_, _, err := hubCmd(t, append([]string{"import-customers"}, tc.args...)...)
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%q: %v, want %s", tc.args, err, tc.err)
		}
	}
	if _, err := os.Stat(filepath.Join(files, "nodata")); !os.IsNotExist(err) {
		t.Error("a missing --data folder was created")
	}
}

// The serving hub takes imports on POST /v1/customers, and the command
// tells to use it while the hub runs.
func TestServeImportsCustomers(t *testing.T) {
	dir := t.TempDir()
	out, _, err := hubCmd(t, "token", "add", "--agent", "lena", "--role", "lead", "--data", dir)
	if err != nil {
		t.Fatal(err)
	}
	token := lastLine(out)
	addr, _ := serveHub(t, http.DefaultClient, "http", "--data", dir)

	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+hub.CustomersPath, strings.NewReader("customer_number,name\n4711,Ann\n"))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != `{"accepted":1,"unchanged":0,"rejected":[],"rejected_total":0,"report_truncated":false}`+"\n" {
		t.Errorf("POST %s: %d %s", hub.CustomersPath, resp.StatusCode, body)
	}

	file := writeFile(t, t.TempDir(), "crm.csv", "customer_number,name\n4711,Ann\n")
	start := time.Now()
	_, _, err = hubCmd(t, "import-customers", "--data", dir, file)
	if err == nil || !strings.Contains(err.Error(), "the hub is running; use POST /v1/customers") {
		t.Errorf("import-customers while serving: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("import-customers waited %v for the lock", d)
	}
}

// --map names the columns of an export that the hub does not know by
// themselves: a JSON file or the inline form of ?map=.
func TestImportCustomersCommandMap(t *testing.T) {
	data, files := t.TempDir(), t.TempDir()
	l, err := hub.OpenBoltLog(data)
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	csvFile := writeFile(t, files, "export.csv", "KdNr,Vorname,Nachname,Stufe\nK-1,Eva,Kaefer,gold\n")
	mapFile := writeFile(t, files, "columns.json", `{"kdnr": "customer_number", "vorname+nachname": "name", "stufe": "tier"}`)
	want := csvFile + ": 1 accepted (new or changed), 0 unchanged, 0 rejected\n" +
		"column customer_number read from KdNr\ncolumn name read from Vorname+Nachname\ncolumn tier read from Stufe\n"
	out, _, err := hubCmd(t, "import-customers", "--data", data, "--map", mapFile, csvFile)
	if err != nil || out != want {
		t.Errorf("--map FILE: %v\n%s\nwant\n%s", err, out, want)
	}
	out, _, err = hubCmd(t, "import-customers", "--data", data, "--map", "kdnr:number,vorname+nachname:name,stufe:tier", csvFile)
	if want := strings.Replace(want, "1 accepted (new or changed), 0 unchanged", "0 accepted (new or changed), 1 unchanged", 1); err != nil || out != want {
		t.Errorf("--map inline: %v\n%s\nwant\n%s", err, out, want)
	}
	// Without the map the file cannot be read; a bad map is an error.
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{csvFile}, "the header has no customer_number column"},
		{[]string{"--map", "kdnr:shoe_size", csvFile}, `--map: cannot read the customer file: column map: "shoe_size" is not a hub column`},
		{[]string{"--map", filepath.Join(files, "missing.json"), csvFile}, "--map: open"},
	} {
		_, _, err := hubCmd(t, append([]string{"import-customers", "--data", data}, tc.args...)...)
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%q: %v, want %s", tc.args, err, tc.err)
		}
	}
}
