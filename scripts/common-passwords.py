# Writes src/auth/common-passwords.txt from @zxcvbn-ts/language-common's frequency-ordered password list.
# Usage: npm pack @zxcvbn-ts/language-common@4.1.3 && tar xzf zxcvbn-ts-language-common-4.1.3.tgz
#        python3 scripts/common-passwords.py package/src/passwords.json > src/auth/common-passwords.txt
import json, sys, unicodedata
words, seen = [], set()
for p in json.load(open(sys.argv[1])):
    q = unicodedata.normalize('NFKC', p).lower()
    if len(q) >= 8 and q not in seen:
        seen.add(q)
        words.append(q)
    if len(words) >= 5000:
        break
print("""# Common passwords refused at registration (NIST SP 800-63B 5.1.1.2: "passwords obtained from previous breach corpuses").
# Source: the first 5000 entries of 8 characters or more, lower-cased and NFKC-normalised, in frequency order, of
# src/passwords.json in the npm package @zxcvbn-ts/language-common 4.1.3 (MIT licence), zxcvbn-ts's list of the most
# frequent passwords in public breach corpora. Regenerate: scripts/common-passwords.py.""")
print('\n'.join(words))
