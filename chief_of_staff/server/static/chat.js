// The chat page: sends a task to POST /web/chat and shows the NDJSON events as they arrive (chat_page.py).
"use strict";

const form = document.getElementById("chat-form");
const input = document.getElementById("message");
const list = document.getElementById("messages");
const sendButton = document.getElementById("send");
const stopButton = document.getElementById("stop");
const errorBox = document.getElementById("chat-error");
const conversation = document.querySelector(".conversation");
let running = null; // the AbortController of the turn in flight

function addMessage(role, text) {
  document.getElementById("empty-hint")?.remove();
  const item = document.createElement("li");
  item.className = `message ${role}`;
  const body = document.createElement("div");
  body.className = "text";
  body.textContent = text;
  item.append(body);
  list.append(item);
  item.scrollIntoView({ block: "end" });
  return item;
}

function showError(message) {
  errorBox.textContent = message;
  errorBox.hidden = !message;
}

function setRunning(controller) {
  running = controller;
  sendButton.disabled = Boolean(controller);
  stopButton.hidden = !controller;
}

async function readEvents(response, onEvent) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffered += decoder.decode(value, { stream: true });
    let newline;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line) onEvent(JSON.parse(line));
    }
  }
}

function listNewThread(event, task) {
  history.replaceState(null, "", event.url);
  const threads = document.getElementById("thread-list");
  threads.querySelector(".muted")?.remove();
  const item = document.createElement("li");
  const link = document.createElement("a");
  link.href = event.url;
  link.setAttribute("aria-current", "page");
  link.textContent = task.trim().split(/\s+/).join(" ").slice(0, 60);
  item.append(link);
  threads.prepend(item);
}

async function send(task) {
  showError("");
  const asked = addMessage("user", task);
  let announced = false; // the server said the thread holds the task
  const answer = addMessage("assistant pending", "");
  const text = answer.querySelector(".text");
  const controller = new AbortController();
  setRunning(controller);
  const payload = {
    message: task,
    thread_id: conversation.dataset.threadId || null,
    department: document.getElementById("department").value || null,
    critical: document.getElementById("critical").checked,
    private: document.getElementById("private").checked,
    no_adapter: document.getElementById("no_adapter").checked,
  };
  try {
    const response = await fetch("/web/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(payload),
      signal: controller.signal,
    });
    if (response.status === 401) { // signed out (token mode): sign in, then come back here
      location.assign(`/login?next=${encodeURIComponent(location.pathname)}`);
      return;
    }
    if (!response.ok) {
      const problem = await response.json().catch(() => ({ error: response.statusText }));
      throw new Error(problem.error || `the server answered ${response.status}`);
    }
    let finished = false;
    await readEvents(response, (event) => {
      if (event.event === "thread") {
        announced = true;
        if (!conversation.dataset.threadId) listNewThread(event, task);
        conversation.dataset.threadId = event.thread_id;
      } else if (event.event === "token") {
        text.textContent += event.text;
      } else if (event.event === "escalating") {
        const note = document.createElement("p");
        note.className = "escalating";
        note.dataset.testid = "escalating";
        note.textContent = `Escalating to ${event.model}: ${event.reason}`;
        answer.insertBefore(note, text);
        text.textContent = ""; // Claude's answer replaces the local one
      } else if (event.event === "done") {
        finished = true;
        text.textContent = event.answer;
        answer.insertAdjacentHTML("beforeend", event.meta_html); // rendered and escaped by the server
        answer.classList.remove("pending");
      } else if (event.event === "error") {
        throw new Error(event.error);
      }
      answer.scrollIntoView({ block: "end" });
    });
    if (!finished) throw new Error("the answer was cut off; reload the thread to see what was kept");
  } catch (error) {
    answer.classList.remove("pending");
    if (error.name === "AbortError" && text.textContent) {
      text.textContent += " [stopped]";
    } else {
      if (error.name !== "AbortError") showError(error.message);
      if (!text.textContent) {
        answer.remove(); // nothing was answered: give the task back to send again
        if (!announced) asked.remove();
        if (!input.value) input.value = task;
      }
    }
  } finally {
    setRunning(null);
    input.focus();
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const task = input.value;
  if (!task.trim() || running) return;
  input.value = "";
  send(task);
});

input.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    form.requestSubmit();
  }
});

stopButton.addEventListener("click", () => running?.abort());
