// Progressive enhancement only: every action here also works as a plain form.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var token = document.querySelector('meta[name="csrf-token"]');

  // Times: the page says when, in UTC (a cached page stays true); the reader sees how long ago.
  var UNITS = [["year", 31536000], ["month", 2592000], ["day", 86400], ["hour", 3600], ["minute", 60]];
  function ago(moment) {
    var seconds = (Date.now() - moment) / 1000;
    for (var i = 0; i < UNITS.length; i++) {
      var count = Math.floor(seconds / UNITS[i][1]);
      if (count >= 1) return count + " " + UNITS[i][0] + (count === 1 ? "" : "s") + " ago";
    }
    return "just now";
  }
  function showTimes() {
    document.querySelectorAll("time.relative-time").forEach(function (time) {
      var moment = Date.parse(time.getAttribute("datetime"));
      if (isNaN(moment)) return;
      if (!time.title) time.title = time.textContent;
      time.textContent = ago(moment);
    });
  }
  showTimes();
  setInterval(showTimes, 60000);

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

  // Filters apply as soon as one changes; the Show button stays for pages without script.
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    form.classList.add("is-autosubmit");
    form.addEventListener("change", function () {
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    });
  });

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

  // New post: posts that say the same thing, as the title is typed (GET /posts/similar).
  var similarForm = document.querySelector("form[data-similar-url]");
  var similarBox = document.getElementById("similar-posts");
  var titleInput = similarForm && similarForm.querySelector("input[name=title]");
  if (similarForm && similarBox && titleInput) {
    // Right under the title, where the eye is while typing it.
    var titleField = titleInput.closest(".field");
    if (titleField) titleField.after(similarBox);
    var timer = null;
    var asked = "";
    var showSimilar = function (posts) {
      var list = similarBox.querySelector("ol");
      list.textContent = "";
      posts.forEach(function (post) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.className = "similar-title";
        link.href = post.url;
        link.textContent = post.title;
        link.dir = "auto";
        var meta = document.createElement("span");
        meta.className = "badge status-" + post.status;
        meta.textContent = post.status.replace("_", " ");
        var votes = document.createElement("span");
        votes.className = "hint";
        votes.textContent = post.votes + (post.votes === 1 ? " vote" : " votes");
        var action = document.createElement("button");
        action.type = "button";
        action.className = "button button-small";
        action.textContent = "Vote for this instead";
        action.addEventListener("click", function () {
          action.disabled = true;
          fetch("/posts/" + post.id + "/vote", {
            method: "POST",
            headers: { "Accept": "application/json", "X-CSRFToken": token ? token.content : "" },
            credentials: "same-origin"
          }).finally(function () { window.location.href = post.url; });
        });
        item.append(link, meta, votes, action);
        list.appendChild(item);
      });
      similarBox.hidden = posts.length === 0;
    };
    titleInput.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var title = titleInput.value.trim();
        if (title === asked) return;
        asked = title;
        if (title.length < 3) { showSimilar([]); return; }
        fetch(similarForm.dataset.similarUrl + "?title=" + encodeURIComponent(title), {
          headers: { "Accept": "application/json" }, credentials: "same-origin"
        }).then(function (response) {
          return response.ok ? response.json() : [];
        }).then(function (posts) {
          if (asked === title) showSimilar(posts);
        }).catch(function () { /* suggestions are a nicety: the form works without them */ });
      }, 300);
    });
  }

  // Merge: suggestions of the original as words of its title are typed (GET /posts/similar), each a
  // link to the merge preview; without script the form's Find button shows the same as a results page.
  document.querySelectorAll("form[data-merge-suggest]").forEach(function (form) {
    var input = form.querySelector("input[name=into]");
    var list = form.querySelector(".merge-suggestions");
    var status = form.querySelector("[data-merge-status]");
    var duplicateId = Number(form.dataset.duplicateId);
    var asked = "", timer = null;
    if (!input || !list) return;
    var show = function (posts) {
      list.textContent = "";
      posts.filter(function (post) { return post.id !== duplicateId; }).forEach(function (post) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = form.dataset.previewUrl + "?into=" + post.id;
        link.textContent = post.title;
        link.dir = "auto";
        var facts = document.createElement("span");
        facts.className = "hint";
        facts.textContent = " " + post.votes + (post.votes === 1 ? " vote" : " votes") + ", " + post.status.replace("_", " ");
        item.append(link, facts);
        list.appendChild(item);
      });
      list.hidden = list.children.length === 0;
      if (status) {
        status.textContent = list.children.length ? list.children.length + " suggestions below the field" : "";
      }
    };
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var words = input.value.trim();
        if (words === asked) return;
        asked = words;
        if (words.length < 3 || /^#?[0-9]+$/.test(words)) { show([]); return; }
        fetch(form.dataset.mergeSuggest + "?title=" + encodeURIComponent(words), {
          headers: { "Accept": "application/json" }, credentials: "same-origin"
        }).then(function (response) {
          return response.ok ? response.json() : [];
        }).then(function (posts) {
          if (asked === words) show(posts);
        }).catch(function () { /* the Find button does the same without suggestions */ });
      }, 250);
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

  // Vote on behalf: suggest people and company contacts while staff type (the form looks names up
  // itself when sent without this).
  var personInput = document.querySelector("input[data-people-url]");
  if (personInput && personInput.list) {
    var personTimer = null;
    personInput.addEventListener("input", function () {
      clearTimeout(personTimer);
      personTimer = setTimeout(function () {
        var typed = personInput.value.trim();
        if (typed.length < 2) return;
        fetch(personInput.dataset.peopleUrl + "?q=" + encodeURIComponent(typed), {
          headers: { "Accept": "application/json" }, credentials: "same-origin"
        }).then(function (response) {
          return response.ok ? response.json() : [];
        }).then(function (people) {
          var list = personInput.list;
          list.replaceChildren();
          people.forEach(function (person) {
            var option = document.createElement("option");
            option.value = person.email;
            option.label = [person.name].concat(person.companies).join(" · ");
            list.appendChild(option);
          });
        }).catch(function () { /* suggestions are a nicety: the form works without them */ });
      }, 250);
    });
  }
})();
