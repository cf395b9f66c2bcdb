// Loads Jitsi's external_api.js from the configured deployment and opens the meeting in an
// iframe with the Tandem-minted token. The CSP of the visit page allows exactly that origin.

const LOAD_TIMEOUT_MS = 15000;
let loading = null;

function loadScript(url) {
  if (window.JitsiMeetExternalAPI) return Promise.resolve();
  if (loading) return loading;
  loading = new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = url;
    s.async = true;
    const timer = window.setTimeout(() => reject(new Error('timeout')), LOAD_TIMEOUT_MS);
    s.addEventListener('load', () => {
      window.clearTimeout(timer);
      if (window.JitsiMeetExternalAPI) resolve();
      else reject(new Error('no api'));
    });
    s.addEventListener('error', () => {
      window.clearTimeout(timer);
      reject(new Error('unreachable'));
    });
    document.head.append(s);
  }).catch((err) => {
    loading = null;
    throw err;
  });
  return loading;
}

/**
 * Opens the meeting inside parentNode. Resolves with the JitsiMeetExternalAPI instance;
 * rejects when the video service cannot be reached.
 */
export async function openMeeting(grant, parentNode, displayName) {
  await loadScript(grant.scriptUrl);
  return new window.JitsiMeetExternalAPI(grant.domain, {
    roomName: grant.room,
    jwt: grant.token,
    parentNode,
    width: '100%',
    height: '100%',
    userInfo: { displayName },
    configOverwrite: { prejoinConfig: { enabled: false } },
  });
}
