/** Registers a tag once: a second bundle or script on the page defining it again is ignored. */
export function defineElement(tag: string, element: CustomElementConstructor): void {
  if (!customElements.get(tag)) customElements.define(tag, element);
}
