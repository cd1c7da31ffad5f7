package casework

import (
	"errors"
	"testing"
	"time"
)

func acceptedCase(t *testing.T, cat *Catalogue, seed uint64) *Case {
	t.Helper()
	g := NewGenerator(cat, seed, testNow)
	c := g.Draft("c", "371002", true)
	c.Values[FieldPlacement] = "self_employ"
	c.Values[FieldCategory] = "军士"
	c.Values["rank"] = "上士"
	c.Values["medical_scheme"] = "职工基本医疗保险" // item 9 applies only to 职工医保
	c.SetItems(cat, cat.ItemsFor(c.Values))
	for _, ms := range c.Materials {
		ms.Status = MaterialOriginal
	}
	if _, err := c.Accept(cat, "371002-2026-HC01-000001", testNow); err != nil {
		t.Fatalf("Accept = %v", err)
	}
	return c
}

func TestLifecycle(t *testing.T) {
	cat := loadCity(t)
	c := acceptedCase(t, cat, 3)
	if c.State != CaseAccepted || c.Number == "" || c.CatalogueVersion != cat.Version {
		t.Fatalf("after Accept state=%s number=%q version=%q", c.State, c.Number, c.CatalogueVersion)
	}
	if got := c.Task("idcard").State; got != TaskWaiting {
		t.Errorf("idcard state = %s, want waiting on hukou", got)
	}
	if got := c.Task("hukou").State; got != TaskWaiting {
		t.Errorf("hukou state = %s, want waiting on register (the 落户介绍信 follows 报到)", got)
	}
	if err := c.CompleteTask(cat, "register", nil, testNow); err != nil {
		t.Fatal(err)
	}
	if got := c.Task("hukou").State; got != TaskPending {
		t.Errorf("hukou state after register = %s, want pending", got)
	}
	if c.Task("hukou").Department != "police" {
		t.Errorf("hukou department = %s, want police", c.Task("hukou").Department)
	}
	// illegal: complete a waiting task
	err := c.CompleteTask(cat, "idcard", nil, testNow)
	var te *TransitionError
	if !errors.As(err, &te) || !errors.Is(err, ErrIllegalTransition) {
		t.Fatalf("CompleteTask(waiting) = %v, want *TransitionError", err)
	}
	later := testNow.Add(48 * time.Hour)
	if err := c.StartTask(cat, "hukou", later); err != nil {
		t.Fatal(err)
	}
	if c.State != CaseInProgress {
		t.Errorf("case state = %s, want in_progress", c.State)
	}
	if err := c.ReturnTask(cat, "hukou", "", later); !errors.Is(err, ErrReasonRequired) {
		t.Errorf("ReturnTask without reason = %v, want ErrReasonRequired", err)
	}
	if err := c.ReturnTask(cat, "hukou", "拟落户地证明不清晰", later); err != nil {
		t.Fatal(err)
	}
	if err := c.ResubmitTask(cat, "hukou", later); err != nil {
		t.Fatal(err)
	}
	if err := c.CompleteTask(cat, "hukou", map[string]string{"hukou_date": "2026-11-24"}, later); err != nil {
		t.Fatal(err)
	}
	id := c.Task("idcard")
	// the idcard task closes at 受理; its only limit (60 days to 发证) runs
	// from the apply date, so the task itself has no due date
	if id.State != TaskPending || !id.Due.IsZero() || !id.Started.Equal(later) {
		t.Errorf("idcard after hukou done = %+v, want pending from %v without a due date", id, later)
	}
	if ss := c.Task("sscard"); ss.State != TaskWaiting {
		t.Errorf("sscard after hukou done = %s, want waiting on 社会保险登记", ss.State)
	}
	if err := c.RefuseTask(cat, "employment", "本人放弃", later); err != nil {
		t.Fatal(err)
	}
	for _, task := range c.Tasks {
		if task.State.Final() {
			continue
		}
		if task.State == TaskWaiting {
			continue
		}
		if err := c.CompleteTask(cat, task.Item, nil, later); err != nil {
			t.Fatalf("CompleteTask(%s) = %v", task.Item, err)
		}
	}
	for _, task := range c.Tasks { // released ones
		if !task.State.Final() {
			if err := c.CompleteTask(cat, task.Item, nil, later); err != nil {
				t.Fatalf("CompleteTask(%s) = %v", task.Item, err)
			}
		}
	}
	if c.State != CaseDone {
		t.Errorf("case state = %s, want done", c.State)
	}
	if err := c.Withdraw("x", later); !errors.Is(err, ErrIllegalTransition) {
		t.Errorf("Withdraw(done) = %v, want illegal", err)
	}
}

func TestAcceptRefusesProblems(t *testing.T) {
	cat := loadCity(t)
	c := NewCase("x", cat, "371002", testNow)
	c.SetItems(cat, []string{"register"})
	probs, err := c.Accept(cat, "371002-2026-HC01-000002", testNow)
	if !errors.Is(err, ErrNotValid) || !HasErrors(probs) || c.State != CaseDraft || c.Number != "" {
		t.Fatalf("Accept(empty) = %v, state %s, number %q; want ErrNotValid and still a draft", err, c.State, c.Number)
	}
}

func TestWithdrawCancelsTasks(t *testing.T) {
	cat := loadCity(t)
	c := acceptedCase(t, cat, 9)
	if err := c.Withdraw("本人申请撤回", testNow); err != nil {
		t.Fatal(err)
	}
	for _, task := range c.Tasks {
		if task.State != TaskCancelled {
			t.Errorf("task %s = %s, want cancelled", task.Item, task.State)
		}
	}
	if err := c.StartTask(cat, "hukou", testNow); !errors.Is(err, ErrIllegalTransition) {
		t.Errorf("StartTask(withdrawn case) = %v, want illegal", err)
	}
}

func TestTransitionTable(t *testing.T) {
	tests := []struct {
		from, to TaskState
		ok       bool
	}{
		{TaskPending, TaskWorking, true}, {TaskWorking, TaskDone, true}, {TaskWorking, TaskReturned, true},
		{TaskReturned, TaskPending, true}, {TaskDone, TaskWorking, false}, {TaskRefused, TaskPending, false},
		{TaskWaiting, TaskDone, false}, {TaskCancelled, TaskPending, false}, {TaskWaiting, TaskPending, true},
	}
	for _, tt := range tests {
		if got := CanTask(tt.from, tt.to); got != tt.ok {
			t.Errorf("CanTask(%s, %s) = %v, want %v", tt.from, tt.to, got, tt.ok)
		}
	}
	if CanCase(CaseDone, CaseInProgress) || CanCase(CaseWithdrawn, CaseAccepted) || !CanCase(CaseDraft, CaseAccepted) {
		t.Error("case transition table wrong")
	}
}
