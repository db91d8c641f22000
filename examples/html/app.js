// Events bubble out of the elements; properties are set on the element objects.
const form = document.querySelector('consent-form');
form.addEventListener('consent-change', (event) => {
  document.querySelector('#last-choice').textContent = `${event.detail.purpose}: ${event.detail.granted ? 'on' : 'off'}`;
});
form.addEventListener('record-sent', (event) => {
  document.querySelector('#saved').textContent = `Saved, reference ${event.detail.record.id}`;
});
