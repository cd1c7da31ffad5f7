package syncapi

import "time"

// PathPostings is a station's 就业培训 board (#13): GET lists its office's
// postings, POST publishes (creates or replaces, by ID) a []Posting. The
// public site lists what is published and not withdrawn.
const PathPostings = "/v1/postings/"

// Kinds of posting.
const (
	PostingCourse = "course" // a training course (培训课程)
	PostingJob    = "job"    // a job posting (招聘信息)
)

// Posting is a training course or a job posting a station publishes.
type Posting struct {
	ID       string `json:"id"` // made by the desk (a UUID): publishing twice replaces
	Office   string `json:"office,omitempty"`
	Kind     string `json:"kind"`
	Title    string `json:"title"`
	Org      string `json:"org"`                // the training institution or the employer
	Place    string `json:"place,omitempty"`    // where
	Schedule string `json:"schedule,omitempty"` // when: dates and times as the station words them
	Deadline string `json:"deadline,omitempty"` // last day of sign-up, YYYY-MM-DD
	Details  string `json:"details,omitempty"`  // what it is: content, conditions, pay
	Contact  string `json:"contact,omitempty"`  // the organisation's public phone
	// Withdrawn takes the posting off the public site.
	Withdrawn bool      `json:"withdrawn,omitempty"`
	Updated   time.Time `json:"updated,omitzero"`
	// Signups is how many veterans signed up on the public site (GET).
	Signups int `json:"signups,omitempty"`
}
