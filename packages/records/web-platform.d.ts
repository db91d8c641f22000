/**
 * The few Web platform APIs the records core uses, as browsers, Node 20 and edge runtimes all
 * provide them (WebCrypto, TextEncoder/TextDecoder, atob/btoa, URL). Declared here instead of
 * lib "DOM" so that nothing else of a browser (document, IndexedDB, fetch) type-checks in this package.
 */
export {};

declare global {
  type BufferSource = ArrayBuffer | ArrayBufferView<ArrayBuffer>;
  interface JsonWebKey {
    kty?: string;
    crv?: string;
    x?: string;
    y?: string;
    d?: string;
    k?: string;
    alg?: string;
    ext?: boolean;
    key_ops?: string[];
    use?: string;
  }
  interface CryptoKey {
    readonly type: 'private' | 'public' | 'secret';
    readonly extractable: boolean;
    readonly algorithm: object;
    readonly usages: readonly string[];
  }
  interface CryptoKeyPair {
    privateKey: CryptoKey;
    publicKey: CryptoKey;
  }
  type AlgorithmIdentifier = string | { name: string; [parameter: string]: unknown };
  interface SubtleCrypto {
    digest(algorithm: AlgorithmIdentifier, data: BufferSource): Promise<ArrayBuffer>;
    importKey(format: 'jwk', keyData: JsonWebKey, algorithm: AlgorithmIdentifier, extractable: boolean, usages: string[]): Promise<CryptoKey>;
    importKey(format: 'raw' | 'spki' | 'pkcs8', keyData: BufferSource, algorithm: AlgorithmIdentifier, extractable: boolean, usages: string[]): Promise<CryptoKey>;
    exportKey(format: 'jwk', key: CryptoKey): Promise<JsonWebKey>;
    generateKey(algorithm: AlgorithmIdentifier, extractable: boolean, usages: string[]): Promise<CryptoKeyPair>;
    sign(algorithm: AlgorithmIdentifier, key: CryptoKey, data: BufferSource): Promise<ArrayBuffer>;
    verify(algorithm: AlgorithmIdentifier, key: CryptoKey, signature: BufferSource, data: BufferSource): Promise<boolean>;
  }
  var crypto: {
    readonly subtle: SubtleCrypto;
    randomUUID(): `${string}-${string}-${string}-${string}-${string}`;
  };
  class TextEncoder {
    encode(input?: string): Uint8Array<ArrayBuffer>;
  }
  class TextDecoder {
    constructor(label?: string, options?: { fatal?: boolean });
    decode(input?: BufferSource): string;
  }
  function atob(data: string): string;
  function btoa(data: string): string;
  class URL {
    constructor(url: string, base?: string);
    readonly hostname: string;
  }
}
