import { html, LitElement, nothing, type PropertyValues, type TemplateResult, type PropertyDeclarations } from 'lit';
import { getConfig, onConfigure } from '../config.js';
import { ConsentChangeEvent } from '../events.js';
import { LocaleController } from '../ui/locale-controller.js';
import { PopoverController, popoverStyles } from '../ui/popover.js';
import { tokens } from '../ui/tokens.js';
import { styles } from './consent-toggle.styles.js';
import { findPurpose } from './purposes.js';

/**
 * One consent as an accessible switch, off until the visitor turns it on.
 *
 * @tagname consent-toggle
 * @summary A switch for one consent purpose, with an info popover on what it means.
 *
 * @fires {ConsentChangeEvent} consent-change - The visitor turned the consent on or off. `detail: { purpose, granted }`. Never fired for changes made from code.
 * @fires {Event} change - Native-style `change` after the visitor toggled the switch.
 * @fires {Event} input - Native-style `input` after the visitor toggled the switch.
 *
 * @csspart base - The row holding switch and label.
 * @csspart track - The switch track.
 * @csspart thumb - The switch thumb.
 * @csspart label - The label text (recorded verbatim in the consent record).
 * @csspart info-button - The button that opens the info popover.
 * @csspart popover - The info popover.
 *
 * @cssprop --pw-color-accent - The switch when on, and the info button.
 * @cssprop --pw-color-muted - The switch when off.
 * @cssprop --pw-color-surface - The info button on hover.
 * @cssprop --pw-focus-ring - Focus outline.
 * @cssprop --consent-toggle-track-on - Track colour when on (defaults to the accent colour).
 * @cssprop --consent-toggle-track-off - Track colour when off.
 */
export class ConsentToggle extends LitElement {
  static override styles = [tokens, popoverStyles, styles];
  static override properties: PropertyDeclarations = {
    purpose: { reflect: true },
    name: {},
    disabled: { type: Boolean, reflect: true },
  };
  static override shadowRootOptions: ShadowRootInit = { ...LitElement.shadowRootOptions, delegatesFocus: true };
  static formAssociated = true;

  /** The purpose id: `newsletter`, `blog`, `events`, or one added with `configure()`. */
  declare purpose: string;

  /** Form field name; defaults to `consent-<purpose>`. The value is `granted` or `denied`. */
  declare name: string | undefined;

  /** Shows the switch but lets nobody change it (e.g. while a form is sending). */
  declare disabled: boolean;

  constructor() {
    super();
    this.purpose = '';
    this.disabled = false;
  }

  /**
   * Whether the consent is on. Only the visitor turns it on; set it from code
   * solely to show a choice the visitor made earlier.
   */
  get checked(): boolean {
    return this.#checked;
  }
  set checked(value: boolean) {
    this.#checked = Boolean(value);
    this.#syncFormValue();
    this.requestUpdate();
  }

  /** The label text shown, as it will be recorded. Empty until the strings have loaded. */
  get label(): string {
    const locale = this.#locale.locale;
    return (locale && findPurpose(this.purpose, locale)?.text.label) ?? '';
  }

  readonly #internals = this.attachInternals();
  readonly #locale = new LocaleController(this, () => ['consent']);
  readonly #popover = new PopoverController(this, () => ({
    anchor: this.renderRoot.querySelector<HTMLElement>('.info'),
    panel: this.renderRoot.querySelector<HTMLElement>('[popover]'),
  }));
  #checked = false;
  #refused = new Set<'required' | 'checked'>();
  #unsubscribe: (() => void) | undefined;

  static override get observedAttributes(): string[] {
    return [...super.observedAttributes, 'lang', 'required', 'checked'];
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#unsubscribe = onConfigure(() => this.requestUpdate());
    this.#syncFormValue();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#unsubscribe?.();
  }

  override attributeChangedCallback(name: string, old: string | null, value: string | null): void {
    super.attributeChangedCallback(name, old, value);
    if (name === 'lang') this.#locale.refresh();
    // Consent is never a condition (Art. 7(4)) and never pre-ticked (C-673/17).
    if ((name === 'required' || name === 'checked') && value !== null) {
      this.#refused.add(name);
      this.requestUpdate();
    }
  }

  /** The form this toggle belongs to, if any. */
  get form(): HTMLFormElement | null {
    return this.#internals.form;
  }

  formResetCallback(): void {
    this.checked = false;
  }

  formStateRestoreCallback(state: string | File | FormData | null): void {
    // The browser restores what this visitor chose before (back/forward navigation).
    this.checked = state === 'granted';
  }

  /** A server-rendered shadow root is hydrated once its strings are here, never rendered over before. */
  protected override shouldUpdate(): boolean {
    return this.#locale.ready;
  }

  protected override updated(changed: PropertyValues<this>): void {
    // The attribute is the server's and the first render's state (lit SSR writes a
    // `.checked=${false}` binding as `checked="false"`: ticked); the property is the live one.
    const control = this.renderRoot.querySelector<HTMLInputElement>('#control');
    if (control) control.checked = this.#checked;
    if (changed.has('name') || changed.has('purpose')) this.#syncFormValue();
    const locale = this.#locale.locale;
    if (!locale) return;
    for (const attribute of this.#refused) {
      console.error(this.#locale.t(`consent:toggle.${attribute}Refused`, { purpose: this.purpose }));
    }
    this.#refused.clear();
  }

  #syncFormValue(): void {
    // A FormData value can carry its own field name, so the default name needs no attribute.
    const value = this.#checked ? 'granted' : 'denied';
    const data = new FormData();
    data.append(this.name ?? `consent-${this.purpose}`, value);
    this.#internals.setFormValue(data, value);
  }

  #onInput(event: Event): void {
    // The inner input event is composed and would reach the page before our state changed.
    event.stopPropagation();
    this.checked = (event.target as HTMLInputElement).checked;
    this.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
  }

  #onChange(event: Event): void {
    event.stopPropagation(); // the host's own `change` replaces the inner one
    this.dispatchEvent(new Event('change', { bubbles: true }));
    this.dispatchEvent(new ConsentChangeEvent({ purpose: this.purpose, granted: this.checked }));
  }

  #onKeydown(event: KeyboardEvent): void {
    // Like a native checkbox: Space toggles, Enter submits the form it is in.
    if (event.key === 'Enter' && this.form) {
      event.preventDefault();
      this.form.requestSubmit();
    }
  }

  #onPanelToggle(event: Event): void {
    this.#popover.onToggle(event);
    if ((event as ToggleEvent).newState === 'open') {
      this.renderRoot.querySelector<HTMLElement>('[popover]')?.focus();
    }
  }

  protected override render(): TemplateResult | typeof nothing {
    const locale = this.#locale.locale;
    if (!locale) return nothing;
    const purpose = findPurpose(this.purpose, locale);
    if (!purpose) {
      const key = getConfig().purposes?.[this.purpose] ? 'untranslatedPurpose' : 'unknownPurpose';
      console.error(this.#locale.t(`consent:toggle.${key}`, { purpose: this.purpose, lang: locale }));
      return nothing;
    }
    const t = (key: string, options?: Record<string, string>) => this.#locale.t(`consent:${key}`, options);
    const { text } = purpose;
    return html`<div class="row" lang=${locale}>
      <label class="switch" part="base">
        <input
          id="control"
          class="visually-hidden"
          type="checkbox"
          role="switch"
          ?checked=${this.#checked}
          ?disabled=${this.disabled}
          @input=${this.#onInput}
          @change=${this.#onChange}
          @keydown=${this.#onKeydown}
        />
        <span class="track" part="track" aria-hidden="true"><span class="thumb" part="thumb"></span></span>
        <span class="label" part="label">${text.label}</span>
      </label>
      <button
        class="info"
        part="info-button"
        type="button"
        popovertarget="details"
        aria-label=${t('toggle.info', { label: text.label })}
      >
        <svg viewBox="0 0 20 20" width="20" height="20" aria-hidden="true" focusable="false">
          <circle cx="10" cy="10" r="8.5" fill="none" stroke="currentColor" stroke-width="1.5" />
          <path d="M10 8.75v5.5M10 5.75v.5" stroke="currentColor" stroke-width="1.75" stroke-linecap="round" />
        </svg>
      </button>
      <div
        id="details"
        popover
        part="popover"
        role="dialog"
        aria-labelledby="details-title"
        tabindex="-1"
        @toggle=${this.#onPanelToggle}
      >
        <p id="details-title" class="details-title">${text.label}</p>
        <dl>
          <dt>${t('toggle.sent')}</dt>
          <dd>${text.sent}</dd>
          <dt>${t('toggle.frequency')}</dt>
          <dd>${text.frequency}</dd>
          <dt>${t('toggle.basis')}</dt>
          <dd>${t(`basis.${purpose.basis}`)}</dd>
          <dt>${t('toggle.retention')}</dt>
          <dd>${text.retention}</dd>
          <dt>${t('toggle.withdraw')}</dt>
          <dd>${text.withdraw}</dd>
        </dl>
        <button class="close" type="button" popovertarget="details" popovertargetaction="hide">
          ${t('toggle.close')}
        </button>
      </div>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'consent-toggle': ConsentToggle;
  }
}
