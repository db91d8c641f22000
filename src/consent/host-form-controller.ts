import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { normalizeEmail } from '@optimesys/privacy-records/create';
import { isEmail, loadSender } from '../ui/lazy.js';

export interface HostFormOptions {
  /** The name of the host's e-mail field (`email-field`). */
  emailField(): string;
  /** A translated message (the e-mail errors). */
  t(key: string): string;
  /** Signs and sends the current choices for this address. */
  submit(email: string): Promise<void>;
  /** The record id was used: take a new one. */
  next(): void;
}

/**
 * `<consent-form>` inside a page's own `<form>`: stops a submission without a
 * usable address, and sends the record once every handler of the page has
 * run, holding a navigating submission until the record is stored and sent.
 */
export class HostFormController implements ReactiveController {
  #form: HTMLFormElement | null = null;
  /** Host submissions stopped here (no usable address): nothing is sent for them. */
  readonly #refused = new WeakSet<Event>();

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly options: HostFormOptions,
  ) {
    host.addController(this);
  }

  /** The host form, or null when the element stands alone. */
  get form(): HTMLFormElement | null {
    return this.#form;
  }

  /** From `formAssociatedCallback`: the element joined or left a host form. */
  attach(form: HTMLFormElement | null): void {
    this.#form?.removeEventListener('submit', this.#onHostSubmit);
    window.removeEventListener('submit', this.#onSubmitted);
    this.#form = form;
    form?.addEventListener('submit', this.#onHostSubmit);
    form?.addEventListener('focusin', () => void loadSender(), { once: true });
    // On window, this runs after every handler of the page's own: it knows whether the page takes the submission.
    if (form) window.addEventListener('submit', this.#onSubmitted);
    this.host.requestUpdate();
  }

  hostDisconnected(): void {
    window.removeEventListener('submit', this.#onSubmitted);
  }

  #emailInput(): HTMLInputElement | undefined {
    const field = this.#form?.elements.namedItem(this.options.emailField());
    return field instanceof HTMLInputElement ? field : undefined;
  }

  /** The host form is being submitted: without a usable address there is no record to make, so it stops here. */
  #onHostSubmit = (event: SubmitEvent): void => {
    const field = this.#emailInput();
    if (!field) {
      console.error(`[consent-form] the host form has no input named "${this.options.emailField()}" (email-field)`);
      this.#refused.add(event);
      return;
    }
    // Decided synchronously (preventDefault cannot wait): the schema when loaded, else the browser's own e-mail check.
    if (!isEmail(normalizeEmail(field.value))) {
      event.preventDefault();
      this.#refused.add(event);
      field.setCustomValidity(this.options.t(field.value.trim() ? 'consent:form.errors.emailInvalid' : 'consent:form.errors.emailMissing'));
      field.reportValidity();
      field.addEventListener('input', () => field.setCustomValidity(''), { once: true });
    }
  };

  /**
   * After all of the page's own handlers: the record goes out. If the browser
   * would now leave the page, the submission waits until the record is stored
   * and sent (at most 3 s), then continues without running those handlers again.
   */
  #onSubmitted = (event: SubmitEvent): void => {
    const form = this.#form;
    if (event.target !== form || !form || this.#refused.has(event)) return;
    const sending = this.options.submit(normalizeEmail(this.#emailInput()!.value));
    if (event.defaultPrevented) {
      // the page sends its form itself and stays: the id is taken once its data was read
      void sending.finally(() => this.options.next());
      return;
    }
    event.preventDefault();
    const submitter = event.submitter as HTMLButtonElement | HTMLInputElement | null;
    void Promise.race([sending, new Promise((resolve) => setTimeout(resolve, 3000))]).then(() => {
      // The button's own name and value, which a plain submit() would drop.
      const extra = submitter?.name
        ? Object.assign(document.createElement('input'), { type: 'hidden', name: submitter.name, value: submitter.value })
        : undefined;
      if (extra) form.append(extra);
      // The prototype's submit: a control named "submit" would shadow the method.
      HTMLFormElement.prototype.submit.call(form);
      extra?.remove();
      this.options.next();
    });
  };
}
