package report

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

func dose(x float64) *float64 { return &x }

// atxConditions are vehicle and three atomoxetine doses, in report order.
func atxConditions() []Condition {
	return []Condition{
		{ID: "vehicle", Drug: "saline", Dose: dose(0), Label: "vehicle"},
		{ID: "atx-0.1", Drug: "atomoxetine", Dose: dose(0.1), Label: "atx-0.1"},
		{ID: "atx-0.3", Drug: "atomoxetine", Dose: dose(0.3), Label: "atx-0.3"},
		{ID: "atx-1.0", Drug: "atomoxetine", Dose: dose(1), Label: "atx-1.0"},
	}
}

// realisticStudy is a 12-rat atomoxetine study with the effect sizes of
// the literature (docs/virtual-rat.md): premature responses fall with
// dose, accuracy is unchanged, omissions and latency rise a little at
// 1 mg/kg. Sessions are complete unless pending says otherwise (subject
// index and condition index → state).
func realisticStudy(seed uint64, conds []Condition, nRats int, pending map[[2]int]SessionState) Input {
	rng := rand.New(rand.NewPCG(seed, 5))
	in := Input{Study: "ATX1", Conditions: conds}
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for i := range nRats {
		s := fmt.Sprintf("R%02d", i+1)
		in.Subjects = append(in.Subjects, s)
		impulsive := rng.NormFloat64()
		for j, c := range conds {
			day := (i+j)%len(conds) + 1
			date := start.AddDate(0, 0, 3*(day-1))
			in.Plan = append(in.Plan, PlanDay{Subject: s, Day: day, Condition: c.ID, Date: date.Format("2006-01-02")})
			state, ok := pending[[2]int{i, j}]
			if !ok {
				state = Completed
			}
			if state == "" { // not run yet
				continue
			}
			sess := Session{ID: fmt.Sprintf("%s-%d", s, day), Subject: s, Condition: c.ID, Day: day, State: state, StartedAt: date}
			if state == EndedEarly {
				sess.EndReason = "aborted"
			}
			if state == Completed {
				sess.Values = ratValues(rng, c, impulsive)
			}
			in.Sessions = append(in.Sessions, sess)
		}
	}
	return in
}

// ratValues draws one session's measures.
func ratValues(rng *rand.Rand, c Condition, impulsive float64) map[string]float64 {
	d := 0.0
	if c.Dose != nil {
		d = *c.Dose
	}
	effect := d / (d + 0.3) // Emax curve, half effect at 0.3 mg/kg
	if c.Drug == "methylphenidate" {
		effect = -0.8 * d / (d + 1)
	}
	prem := math.Max(0, math.Round((14+5*impulsive)*(1-0.6*effect)+rng.NormFloat64()*3))
	acc := math.Min(100, math.Max(50, 84+rng.NormFloat64()*4))
	om := math.Min(100, math.Max(0, 8+6*effect*d+rng.NormFloat64()*3))
	v := map[string]float64{
		"accuracy_pct":            math.Round(acc*10) / 10,
		"omissions_pct":           math.Round(om),
		"correct_pct":             math.Round(acc*(100-om)/10) / 10,
		"premature":               prem,
		"perseverative":           math.Max(0, math.Round(6*(1-0.5*effect)+rng.NormFloat64()*2)),
		"timeout_responses":       math.Max(0, math.Round(4+rng.NormFloat64()*2)),
		"trials_scored":           100,
		"correct_latency_mean_ms": math.Round(620 + 60*effect*d + rng.NormFloat64()*50),
		"reward_latency_mean_ms":  math.Round(1500 + rng.NormFloat64()*150),
	}
	return v
}
