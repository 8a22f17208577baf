// After a record the page comes back with an empty search: put the cursor there for the next person.
document.addEventListener("DOMContentLoaded", () => {
  const field = document.getElementById("check-in-q");
  if (field && !field.value) {
    field.focus();
  }
});
