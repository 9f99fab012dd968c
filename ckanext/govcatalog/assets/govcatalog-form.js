/* Dataset and resource forms: show only the fields of the chosen dataset type's group, and each
   "other" (อื่นๆ) box only when อื่นๆ is chosen. The server applies the same rules. */
document.addEventListener("DOMContentLoaded", function () {
  var rulesElement = document.getElementById("govcatalog-form-rules");
  if (!rulesElement) { return; }
  var rules = JSON.parse(rulesElement.textContent);
  var form = rulesElement.closest("form");
  if (!form) { return; }

  function inputsNamed(name) {
    return Array.prototype.slice.call(form.querySelectorAll('[name="' + name + '"]'));
  }

  function chosen(name) {
    return inputsNamed(name)
      .filter(function (input) { return (input.type !== "checkbox" && input.type !== "radio") || input.checked; })
      .map(function (input) { return input.value; });
  }

  function currentGroup() {
    var typeInput = inputsNamed("data_type")[0];
    return rules.group_of_type[typeInput ? typeInput.value : rules.data_type];
  }

  function isVisible(field, group) {
    if (field.groups && field.groups.indexOf(group) < 0) { return false; }
    if (field.other_of) { return chosen(field.other_of).indexOf(field.other_value) >= 0; }
    return true;
  }

  function update() {
    var group = currentGroup();
    Object.keys(rules.fields).forEach(function (name) {
      var first = inputsNamed(name)[0];
      var box = first && first.closest(".form-group");
      if (!box) { return; }
      var visible = isVisible(rules.fields[name], group);
      box.hidden = !visible;
      box.querySelectorAll("input, select, textarea").forEach(function (input) { input.disabled = !visible; });
    });
  }

  form.addEventListener("change", update);
  update();
});
