// Shared by the visit and schedule pages: labels and times in the viewer's own zone.

export const TYPE_LABELS = {
  intake: 'Intake',
  'medication-review': 'Medication review',
  psychotherapy: 'Therapy session',
  joint: 'Joint visit (prescriber and therapist)',
};

export const STATUS_LABELS = {
  scheduled: 'Scheduled',
  waiting: 'Patient waiting',
  'in-progress': 'In progress',
  completed: 'Completed',
  'no-show': 'No-show',
  cancelled: 'Cancelled',
};

export const viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

const when = new Intl.DateTimeFormat(undefined, { weekday: 'long', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit' });
const clock = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const day = new Intl.DateTimeFormat(undefined, { weekday: 'long', month: 'long', day: 'numeric' });

export function formatWhen(iso) {
  return when.format(new Date(iso));
}

export function formatClock(iso) {
  return clock.format(new Date(iso));
}

export function formatDay(date) {
  return day.format(date);
}

/** "Dr. Maya Rivera and Sam Okafor, LCSW": the clinicians of a visit. */
export function clinicianNames(visit) {
  return visit.participants.filter((p) => p.role !== 'patient').map((p) => p.name).join(' and ');
}

export function patientName(visit) {
  const p = visit.participants.find((x) => x.role === 'patient');
  return p ? p.name : '';
}

export function isUpcoming(visit, now = Date.now()) {
  return ['scheduled', 'waiting', 'in-progress'].includes(visit.status) && new Date(visit.joinClosesAt).getTime() > now;
}

/** "3 min" / "1 h 5 min" for a waiting time in seconds. */
export function formatWait(seconds) {
  const m = Math.floor(seconds / 60);
  if (m < 1) return 'less than a minute';
  if (m < 60) return `${m} min`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
