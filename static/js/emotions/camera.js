// What stops this browser from using a camera, before asking for it: "insecure",
// "unsupported", "absent", "denied", or null when it is worth trying.
export async function cameraProblem({ needsWebSocket = false } = {}) {
  if (!window.isSecureContext) return "insecure";
  if (!navigator.mediaDevices?.getUserMedia || (needsWebSocket && !("WebSocket" in window))) return "unsupported";
  try {
    // Before permission is granted the list has no labels, but it does list cameras.
    const devices = await navigator.mediaDevices.enumerateDevices();
    if (!devices.some((device) => device.kind === "videoinput")) return "absent";
  } catch {
    // Unknown: let getUserMedia say what is wrong.
  }
  try {
    const permission = await navigator.permissions?.query({ name: "camera" });
    if (permission?.state === "denied") return "denied";
  } catch {
    // Not every browser can query the camera permission.
  }
  return null;
}
