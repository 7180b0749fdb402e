// Progressive enhancement only: every action here also works as a plain form.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var token = document.querySelector('meta[name="csrf-token"]');

  function announce(form, message) {
    var box = document.querySelector(".flashes");
    if (!box) {
      box = document.createElement("div");
      box.className = "flashes";
      document.getElementById("main").prepend(box);
    }
    box.innerHTML = "";
    var p = document.createElement("p");
    p.className = "flash flash-error";
    p.setAttribute("role", "alert");
    p.textContent = message;
    box.appendChild(p);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches("form[data-confirm]") && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    if (!form.matches("form.vote")) return;
    var button = form.querySelector("button.vote-button");
    if (!button) return;
    event.preventDefault();
    var voted = button.getAttribute("aria-pressed") === "true";
    button.disabled = true;
    fetch(voted ? form.dataset.unvoteUrl : form.dataset.voteUrl, {
      method: "POST",
      headers: { "Accept": "application/json", "X-CSRFToken": token ? token.content : "" },
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      if (!result.ok) {
        announce(form, result.data.error || "Your vote could not be recorded.");
        return;
      }
      button.setAttribute("aria-pressed", result.data.voted ? "true" : "false");
      button.classList.toggle("is-voted", result.data.voted);
      button.querySelector(".vote-count").textContent = result.data.votes;
      button.querySelector(".vote-label").textContent = result.data.voted ? "Voted" : "Vote";
      form.action = result.data.voted ? form.dataset.unvoteUrl : form.dataset.voteUrl;
    }).catch(function () {
      form.submit();
    }).finally(function () {
      button.disabled = false;
    });
  });

  // Roadmap: staff drag a card to another column (the Move form does the same without JavaScript).
  var dragged = null;
  document.querySelectorAll(".roadmap-card[draggable=true]").forEach(function (card) {
    card.addEventListener("dragstart", function (event) {
      dragged = card;
      card.classList.add("is-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", card.id);
    });
    card.addEventListener("dragend", function () {
      card.classList.remove("is-dragging");
      dragged = null;
    });
  });
  document.querySelectorAll(".is-editable .roadmap-column").forEach(function (column) {
    column.addEventListener("dragover", function (event) {
      if (!dragged) return;
      event.preventDefault();
      column.classList.add("is-drop-target");
    });
    column.addEventListener("dragleave", function () { column.classList.remove("is-drop-target"); });
    column.addEventListener("drop", function (event) {
      event.preventDefault();
      column.classList.remove("is-drop-target");
      if (!dragged || dragged.closest(".roadmap-column") === column) return;
      var card = dragged;
      var body = new FormData();
      body.append("status", column.dataset.status);
      fetch(card.dataset.statusUrl, {
        method: "POST",
        body: body,
        headers: { "Accept": "application/json", "X-CSRFToken": token ? token.content : "" },
        credentials: "same-origin"
      }).then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      }).then(function (result) {
        if (!result.ok) {
          announce(card, result.data.error || "The card could not be moved.");
          return;
        }
        column.querySelector(".roadmap-cards").prepend(card);
        var select = card.querySelector(".move-form select");
        if (select) select.value = result.data.status;
      });
    });
  });
})();
