// The back end's HTTP API (DEMO-API.md): JSON POSTs and the live WebSocket.

export async function post(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  let answer;
  try {
    answer = await response.json();
  } catch {
    throw new Error(`HTTP ${response.status}`);
  }
  if (!answer.ok) throw new Error(answer.error || `HTTP ${response.status}`);
  return answer;
}

export async function fetchState() {
  const response = await fetch("/api/state");
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
}

// Keeps a WebSocket open, reconnecting with a growing pause; every snapshot goes to onState,
// the first of each connection marked fresh (a restarted demo counts its versions from 1 again).
export function live(onState, onStatus) {
  let pause = 500;
  const open = () => {
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(`${scheme}//${window.location.host}/api/live`);
    let fresh = true;
    onStatus("connecting");
    socket.addEventListener("open", () => {
      pause = 500;
      onStatus("live");
    });
    socket.addEventListener("message", (event) => {
      let data;
      try {
        data = JSON.parse(event.data);
      } catch {
        return;
      }
      if (data.type === "state" && data.state) {
        onState(data.state, fresh);
        fresh = false;
      }
    });
    socket.addEventListener("close", () => {
      onStatus("offline");
      setTimeout(open, pause);
      pause = Math.min(pause * 2, 5000);
    });
  };
  open();
}
