package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestControlRoomInChromium is a technician's morning in a real browser:
// refused without logging in, logging in, starting a session from the
// grid and watching its trial count rise, a refusal shown in words,
// stopping it, a blind study's test day showing its code, a chamber
// whose board dies turning red while the others run on, a cross-site
// POST refused, subject ids with HTML shown as text, logging out.
func TestControlRoomInChromium(t *testing.T) {
	d, board := webDaemon(t)
	b := tab{t: t, ctx: chromium(t), d: d}

	b.do("open the grid", chromedp.Navigate(d.url+"/subjects/R01"))
	if loc := b.location(); loc != d.url+"/login" {
		t.Fatalf("a subject's page without login: at %s, want the login form", loc)
	}
	b.do("wrong token", chromedp.SendKeys(chromedp.CSS(`input[name="token"]`), "not-the-token-at-all"),
		chromedp.Submit(chromedp.CSS(`#login`)), chromedp.WaitVisible(chromedp.CSS(`#login .problem`)))
	b.do("log in", chromedp.SendKeys(chromedp.CSS(`input[name="token"]`), e2eToken),
		chromedp.Submit(chromedp.CSS(`#login`)), chromedp.WaitVisible(chromedp.CSS(`#grid`)))
	b.wait("the live stream", `document.getElementById("stream-state").textContent.includes("connected")`, 20*time.Second)
	if html := b.eval(`document.documentElement.outerHTML`); strings.Contains(html, e2eToken) {
		t.Error("the token is in the page")
	}

	startFromGrid(b, "box1", "R01")
	b.wait("box1's trial count rises", "Number("+tile("box1", "trials")+") >= 3", 60*time.Second)
	refusedInWords(b)
	stopFromGrid(b, "box1")
	studyDay(b)
	boardDies(b, board)
	b.screenshot("web-grid.png")
	runSheet(b)
	crossSite(b)
	escaped(b)
	pages(b)
	trainFromGrid(b)

	b.do("log out", chromedp.Click(chromedp.CSS(`form.logout button`)), chromedp.WaitVisible(chromedp.CSS(`#login`)))
	b.do("the grid again", chromedp.Navigate(d.url+"/"))
	if loc := b.location(); loc != d.url+"/login" {
		t.Errorf("after logging out: at %s, want the login form", loc)
	}
	if strings.Contains(d.logs(), e2eToken) {
		t.Error("the token is in the daemon's log")
	}
}

// startFromGrid starts a baseline vehicle session with the tile's Start
// button, choosing from the form's lists.
func startFromGrid(b tab, chamber, subject string) {
	b.t.Helper()
	b.do("start on "+chamber, chromedp.Click(chromedp.CSS(`.tile[data-chamber="`+chamber+`"] button.start`)),
		chromedp.WaitVisible(chromedp.CSS(`#start-dialog`)),
		chromedp.SetValue(chromedp.CSS(`select[name="subject"]`), subject),
		chromedp.SetValue(chromedp.CSS(`select[name="protocol"]`), "baseline"),
		chromedp.SetValue(chromedp.CSS(`select[name="condition"]`), "vehicle"),
		chromedp.Click(chromedp.CSS(`#start-go`)))
	b.wait(chamber+" runs", tileClass(chamber, "running")+" && "+tile(chamber, "subject")+` === "`+subject+`"`, 20*time.Second)
}

// refusedInWords: starting R01 on a second chamber while it runs on the
// first is refused, and the page says why.
func refusedInWords(b tab) {
	b.t.Helper()
	b.do("start R01 twice", chromedp.Click(chromedp.CSS(`.tile[data-chamber="box2"] button.start`)),
		chromedp.WaitVisible(chromedp.CSS(`#start-dialog`)),
		chromedp.SetValue(chromedp.CSS(`select[name="subject"]`), "R01"),
		chromedp.Click(chromedp.CSS(`#start-go`)))
	b.wait("the refusal", `document.getElementById("start-problem").textContent.includes("one animal, one chamber")`, 10*time.Second)
	b.do("cancel", chromedp.Click(chromedp.CSS(`#start-dialog button.cancel`)))
}

// studyDay starts a blind study's next test day on box3: the study picks
// the condition, and the tile shows its code, never the drug.
func studyDay(b tab) {
	b.t.Helper()
	b.do("a study day on box3", chromedp.Click(chromedp.CSS(`.tile[data-chamber="box3"] button.start`)),
		chromedp.WaitVisible(chromedp.CSS(`#start-dialog`)),
		chromedp.Click(chromedp.CSS(`input[name="mode"][value="study"]`)),
		chromedp.SetValue(chromedp.CSS(`select[name="study_subject"]`), "R03"),
		chromedp.SendKeys(chromedp.CSS(`input[name="injected_ago"]`), "30"),
		chromedp.Click(chromedp.CSS(`#start-go`)))
	b.wait("box3 runs the study day", tileClass("box3", "running")+" && "+tile("box3", "study")+` === "ATX day 1"`, 20*time.Second)
	if c := b.eval(tile("box3", "condition")); !strings.HasPrefix(c, "ATX/") || strings.Contains(c, "atx-") || strings.Contains(c, "vehicle") {
		b.t.Errorf("blind study day shows condition %q, want its code", c)
	}
}

// boardDies starts a session on the serial chamber, whose board has no
// rat, so that its tile soon says no response; then kills the board: the
// tile turns red with the reason while box1 runs on.
func boardDies(b tab, board *boardEmulator) {
	b.t.Helper()
	startFromGrid(b, "board", "R02")
	b.wait("the board's rat stays quiet", tileClass("board", "quiet"), 20*time.Second)
	startFromGrid(b, "box1", "R01")
	before := b.eval(tile("box1", "trials"))
	board.kill()
	b.wait("the board's tile turns red", tileClass("board", "faulted")+" && "+tile("board", "fault")+` !== ""`, 30*time.Second)
	b.wait("box1 runs on", tileClass("box1", "running")+" && "+tile("box1", "trials")+` !== "`+before+`"`, 20*time.Second)
}

// stopFromGrid stops a chamber's session through the confirmation.
func stopFromGrid(b tab, chamber string) {
	b.t.Helper()
	b.do("stop "+chamber, chromedp.Click(chromedp.CSS(`.tile[data-chamber="`+chamber+`"] button.stop`)),
		chromedp.WaitVisible(chromedp.CSS(`#stop-dialog`)), chromedp.Click(chromedp.CSS(`#stop-go`)))
	b.wait(chamber+" stops", tileClass(chamber, "idle")+" && "+tile(chamber, "last")+`.includes("stopped")`, 20*time.Second)
}

// crossSite opens a page of another origin that posts to the daemon with
// the technician's cookie: nothing starts, and the daemon says why.
func crossSite(b tab) {
	b.t.Helper()
	b.do("the evil page", chromedp.Navigate(evilSite(b.t, b.d.url)))
	b.wait("the evil page's posts", `document.title === "done"`, 20*time.Second)
	var box4 struct{ State string }
	b.d.get("/api/v1/chambers/box4", &box4)
	if box4.State != "idle" || strings.Count(b.d.logs(), "cross-site") < 2 {
		b.t.Errorf("after the cross-site posts box4 is %s; refusals logged: %d", box4.State, strings.Count(b.d.logs(), "cross-site"))
	}
}

// escaped: the subject whose id is HTML shows as text on the subject list
// and its page, and no script of it ran.
func escaped(b tab) {
	b.t.Helper()
	b.do("subjects", chromedp.Navigate(b.d.url+"/subjects"), chromedp.WaitVisible(chromedp.CSS(`#subjects`)))
	if n := b.eval(`String(document.querySelectorAll("main img").length)`); n != "0" || !strings.Contains(b.eval(`document.body.innerText`), evilID) {
		b.t.Errorf("subject list: %s img elements, or the id not shown as text", n)
	}
	b.do("the evil subject", chromedp.Click(chromedp.CSS(`#subjects a[href^="/subjects/%3cimg" i]`)), chromedp.WaitVisible(chromedp.CSS(`#sessions`)))
	if title := b.eval(`document.title`); title == "pwned" || !strings.Contains(b.eval(`document.querySelector("h1").textContent`), evilID) {
		b.t.Errorf("subject page: title %q", title)
	}
}

// pages visits a subject with sessions and the blind study, and keeps
// their pictures.
func pages(b tab) {
	b.t.Helper()
	b.do("R01's page", chromedp.Navigate(b.d.url+"/subjects/R01"), chromedp.WaitVisible(chromedp.CSS(`#sessions`)))
	if n := b.eval(`String(document.querySelectorAll("#sessions tr").length - 1)`); n != "8" {
		b.t.Errorf("R01 has %s sessions listed, want 8", n)
	}
	welfare := b.eval(`document.getElementById("weights").innerText + "\n" + document.getElementById("training").innerText + "\n" + document.getElementById("notes").innerHTML`)
	for _, want := range []string{"84.0 %", "below 85 %", "88.0 %", "at baseline", "5csrtt version 1", "&lt;b&gt;today&lt;/b&gt;"} {
		if !strings.Contains(welfare, want) {
			b.t.Errorf("R01's page lacks %q:\n%s", want, welfare)
		}
	}
	b.screenshot("web-subject.png")
	b.do("the study", chromedp.Navigate(b.d.url+"/studies/ATX"), chromedp.WaitVisible(chromedp.CSS(`#matrix`)))
	matrix := b.eval(`document.getElementById("matrix").innerText`)
	if strings.Contains(matrix, "atx-") || !strings.Contains(matrix, "ATX/") {
		b.t.Errorf("blind study matrix shows conditions:\n%s", matrix)
	}
	b.screenshot("web-study.png")
	if code := b.d.get("/api/v1/chambers", nil); code != http.StatusOK {
		b.t.Errorf("the JSON API: %d", code)
	}
}

// runSheet starts box2's next rat from the day's run sheet (made with the
// command line) once the technician confirms it is in the box.
func runSheet(b tab) {
	b.t.Helper()
	b.do("the run sheet", chromedp.Navigate(b.d.url+"/runsheet"), chromedp.WaitVisible(chromedp.CSS(`#runsheet`)))
	if got := b.eval(`[...document.querySelectorAll("button[data-entry]")].map(e => e.dataset.subject).join(" ")`); got != "R07 R05" {
		b.t.Errorf("run sheet: Start buttons for %q, want box2's and box4's next rats, R07 R05", got)
	}
	b.do("start R07", chromedp.Click(chromedp.CSS(`button[data-subject="R07"]`)), chromedp.WaitVisible(chromedp.CSS(`#entry-dialog`)),
		chromedp.Click(chromedp.CSS(`#entry-go`)))
	b.wait("R07 running", `[...document.querySelectorAll("#runsheet td.running")].some(td => td.textContent.includes("R07"))`, 20*time.Second)
	if got := b.eval(`[...document.querySelectorAll("button[data-entry]")].map(e => e.dataset.subject).join(" ")`); got != "R05" {
		b.t.Errorf("run sheet after starting R07: Start buttons for %q, want R05 only (box2 is busy)", got)
	}
	b.screenshot("web-runsheet.png")
}

// TestRunSheetCommand plans a day with the command line: entries take the
// chamber's next squad, show as a table, refuse an unknown condition by
// name, and go again with remove.
func TestRunSheetCommand(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"subject", "add", "R01", "--db", "lab.db"},
		{"runsheet", "add", "--db", "lab.db", "--day", "2026-03-14", "--chamber", "box1", "--subject", "R01", "--protocol", "baseline", "--condition", "vehicle"},
		{"runsheet", "add", "--db", "lab.db", "--day", "2026-03-14", "--chamber", "box1", "--subject", "R01", "--protocol", "long_iti", "--condition", "vehicle"},
	} {
		if out, errOut, code := fivechoice(t, dir, args...); code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, errOut)
		}
	}
	_, errOut, code := fivechoice(t, dir, "runsheet", "add", "--db", "lab.db", "--chamber", "box1", "--subject", "R01", "--protocol", "baseline", "--condition", "vehicel")
	if code == 0 || !strings.Contains(errOut, "condition vehicel: not found (did you mean vehicle?)") {
		t.Errorf("unknown condition: exit %d\n%s", code, errOut)
	}
	out, _, _ := fivechoice(t, dir, "runsheet", "show", "--db", "lab.db", "--day", "2026-03-14")
	if !strings.Contains(out, "1      1      box1     R01      baseline vehicle") || !strings.Contains(out, "2      2      box1     R01      long_iti vehicle") {
		t.Errorf("runsheet show:\n%s", out)
	}
	if out, errOut, code := fivechoice(t, dir, "runsheet", "remove", "1", "--db", "lab.db"); code != 0 {
		t.Errorf("remove: exit %d\n%s%s", code, out, errOut)
	}
	if out, _, _ := fivechoice(t, dir, "runsheet", "show", "--db", "lab.db", "--day", "2026-03-14"); strings.Contains(out, "baseline") {
		t.Errorf("after remove:\n%s", out)
	}
}

// trainFromGrid starts a rat's training from the grid on an idle chamber:
// the page offers the rats in training with their stage, and the daemon
// runs the stage's parameter set.
func trainFromGrid(b tab) {
	b.t.Helper()
	b.do("back to the grid", chromedp.Navigate(b.d.url+"/"), chromedp.WaitVisible(chromedp.CSS(`#grid`)))
	chamber := b.eval(`[...document.querySelectorAll(".tile.idle")].map(t => t.dataset.chamber).filter(n => n !== "board")[0] || ""`)
	if chamber == "" {
		b.t.Fatal("no idle chamber to train on")
	}
	if offered := b.eval(`document.querySelector('select[name="trainee"]').innerText`); !strings.Contains(offered, "R09 (at stage2)") {
		b.t.Errorf("rats offered for training: %q", offered)
	}
	b.do("train R09 on "+chamber, chromedp.Click(chromedp.CSS(`.tile[data-chamber="`+chamber+`"] button.start`)),
		chromedp.WaitVisible(chromedp.CSS(`#start-dialog`)),
		chromedp.Click(chromedp.CSS(`input[name="mode"][value="training"]`)),
		chromedp.SetValue(chromedp.CSS(`select[name="trainee"]`), "R09"),
		chromedp.Click(chromedp.CSS(`#start-go`)))
	b.wait(chamber+" trains R09 at stage 2", tileClass(chamber, "running")+" && "+tile(chamber, "subject")+` === "R09" && `+tile(chamber, "protocol")+` === "stage2"`, 20*time.Second)
}
