// Extractors for the context-driven types: dates of birth (a date after a birth word),
// person names (after a title, an introduction or a greeting, or a listed first name
// followed by a surname) and postal addresses (house number + street words + street
// suffix, optionally unit, city, state and postal code). PERSON and POSTAL_ADDRESS are
// heuristics and carry confidences of 0.5-0.75.
#include <algorithm>
#include <array>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "privacy/scanner_internal.h"
#include "privacy/text_util.h"
#include "privacy/validators.h"

namespace bulwark::privacy::internal {

void ExtractBirthDate(size_t to, ScanState& state);
void ExtractTitleName(size_t to, ScanState& state);
void ExtractIntroName(size_t to, ScanState& state);
void ExtractFirstName(size_t to, bool after_greeting, ScanState& state);
void ExtractStreetAddress(size_t to, ScanState& state);
void ExtractGermanAddress(size_t to, ScanState& state);
std::array<std::string, 2> FirstNamePatterns();
bool HasDigitIn(std::string_view text, size_t from, size_t to);

namespace {

// Common given names across English, Spanish, German, French, Italian, Indian, Chinese and
// other naming traditions. Only used together with a following capitalised surname or
// after a greeting, never alone.
constexpr std::string_view kFirstNames[] = {
    "James",     "Mary",      "John",      "Patricia",  "Robert",    "Jennifer",   "Michael",
    "Linda",     "William",   "Elizabeth", "David",     "Barbara",   "Richard",    "Susan",
    "Joseph",    "Jessica",   "Thomas",    "Sarah",     "Charles",   "Karen",      "Christopher",
    "Lisa",      "Daniel",    "Nancy",     "Matthew",   "Betty",     "Anthony",    "Sandra",
    "Mark",      "Ashley",    "Donald",    "Kimberly",  "Steven",    "Emily",      "Paul",
    "Donna",     "Andrew",    "Michelle",  "Joshua",    "Carol",     "Kenneth",    "Amanda",
    "Kevin",     "Melissa",   "Brian",     "Deborah",   "George",    "Stephanie",  "Timothy",
    "Rebecca",   "Ronald",    "Laura",     "Jason",     "Helen",     "Edward",     "Sharon",
    "Jeffrey",   "Cynthia",   "Ryan",      "Kathleen",  "Jacob",     "Amy",        "Gary",
    "Angela",    "Nicholas",  "Anna",      "Eric",      "Emma",      "Jonathan",   "Olivia",
    "Stephen",   "Sophia",    "Larry",     "Isabella",  "Justin",    "Mia",        "Scott",
    "Charlotte", "Brandon",   "Amelia",    "Benjamin",  "Harper",    "Samuel",     "Evelyn",
    "Gregory",   "Abigail",   "Alexander", "Ella",      "Frank",     "Grace",      "Patrick",
    "Chloe",     "Raymond",   "Victoria",  "Jack",      "Lily",      "Dennis",     "Hannah",
    "Jerry",     "Natalie",   "Tyler",     "Zoe",       "Aaron",     "Leah",       "Jose",
    "Maria",     "Juan",      "Carmen",    "Luis",      "Ana",       "Carlos",     "Lucia",
    "Miguel",    "Sofia",     "Javier",    "Elena",     "Diego",     "Paula",      "Alejandro",
    "Isabel",    "Pablo",     "Marta",     "Hans",      "Anke",      "Klaus",      "Ursula",
    "Jürgen",    "Petra",     "Stefan",    "Sabine",    "Lukas",     "Julia",      "Felix",
    "Lena",      "Max",       "Leonie",    "Tobias",    "Katrin",    "Jean",       "Marie",
    "Pierre",    "Camille",   "Louis",     "Chloé",     "Hugo",      "Léa",        "Antoine",
    "Manon",     "Giulia",    "Marco",     "Francesca", "Luca",      "Alessandro", "Chiara",
    "Giovanni",  "Priya",     "Rahul",     "Ananya",    "Arjun",     "Aarav",      "Divya",
    "Vikram",    "Neha",      "Rohan",     "Pooja",     "Amit",      "Sunita",     "Wei",
    "Li",        "Ming",      "Xiao",      "Yuki",      "Hiroshi",   "Kenji",      "Sakura",
    "Haruto",    "Ji-woo",    "Min-jun",   "Seo-yeon",  "Ahmed",     "Fatima",     "Mohammed",
    "Aisha",     "Omar",      "Layla",     "Yusuf",     "Zainab",    "Olga",       "Ivan",
    "Dmitri",    "Natasha",   "Sergei",    "Anastasia", "Kwame",     "Amara",      "Chinedu",
    "Ngozi",     "Oliver",    "Noah",      "Liam",      "Ethan",     "Lucas",      "Mason",
    "Logan",     "Ava",       "Madison",   "Aiden",     "Jackson",   "Sebastian",  "Henry",
    "Owen",      "Caleb",     "Nathan",    "Isaac",     "Adam",      "Rachel",     "Megan",
    "Lauren",    "Nicole",    "Samantha",  "Katherine", "Christina", "Heather",    "Diana",
    "Erik",      "Lars",      "Ingrid",    "Astrid",    "Sven",      "Freya",      "Nils",
    "Tom",       "Tim",       "Ben",       "Sam",       "Alex",      "Chris",      "Kate",
    "Jane",      "Anne",      "Sophie",    "Lucy",      "Ellie",     "Jamie",      "Dan",
    "Mike",      "Dave",      "Steve",     "Joe",       "Bob",       "Jim",        "Bill",
    "Martin",    "Peter",     "Simon",     "Rafael",    "Gabriel",   "Fernando",   "Ricardo",
    "Mateo",     "Valentina", "Camila",    "Santiago",  "Mariana",   "Tanya",      "Keisha",
    "Darnell",   "Jamal",     "Aaliyah",   "Malik",     "Imani",     "Noor",       "Sara",
};

constexpr std::string_view kStopWords[] = {
    "The",
    "A",
    "An",
    "And",
    "Or",
    "But",
    "To",
    "Of",
    "In",
    "On",
    "At",
    "For",
    "With",
    "From",
    "By",
    "Team",
    "Support",
    "Customer",
    "Service",
    "Services",
    "Sales",
    "Inc",
    "LLC",
    "Ltd",
    "Corp",
    "Company",
    "Street",
    "Avenue",
    "Road",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "I",
    "We",
    "You",
    "He",
    "She",
    "They",
    "It",
    "This",
    "That",
    "Our",
    "Your",
    "My",
    "Hi",
    "Hello",
    "Dear",
    "Thanks",
    "Video",
    "Studio",
    "Group",
    "University",
    "Bank",
    "Hotel",
    "Park",
    "City",
    "AI",
    "API",
    "CEO",
    "CTO",
    "HR",
    "Product",
    "Marketing",
    "Everyone",
    "All",
    "There",
    "Here",
    "Sir",
    "Madam",
    "Welcome",
    "Please",
    "Regards",
    "Best",
    "Cheers",
    "Sincerely",
    "Today",
    "Tomorrow",
    "Yesterday",
    "New",
    "Is",
    "Are",
    "Was",
    "Will",
    "Can",
    "Just",
    "So",
    "Not",
    "No",
    "Yes",
    "Sure",
    "Happy",
    "Great",
    "Good",
    "Thank",
    "Folks",
    "Friends",
    "Guys",
    "Again",
    "Back",
    "Team's",
    "As",
    "If",
    "When",
    "What",
    "How",
    "Why",
    "Who",
    "Where",
    "Let",
    "Lets",
    "Let's",
    "Quick",
    "Note",
    "Update",
    "Hey",
    "Dr",
    "Mr",
    "Mrs",
    "Ms",
    "Prof",
    "Department",
    "Office",
    "Center",
    "Centre",
    "Foundation",
    "School",
    "College",
    "Hospital",
    "Clinic",
    "Store",
    "Shop",
    "Airlines",
    "Airways",
    "Labs",
    "Technologies",
    "Systems",
    "Solutions",
    "Media",
    "Pro",
    "Plus",
    "Premium",
    "Enterprise",
    "Cloud",
    "Online",
    "Global",
    "International",
    "Holdings",
    "Partners",
    "Ventures",
    "Capital",
    "Fund",
    "Series",
    "Christmas",
    "Easter",
    "Year",
    "Day",
    "Week",
    "Month",
    "Weekend",
    "Summer",
    "Winter",
    "Spring",
    "Fall",
    "Autumn",
    "Black",
    "White",
    "Green",
    "Red",
    "Blue",
    "North",
    "South",
    "East",
    "West",
    "Street's",
    "Valley",
    "Beach",
    "Lake",
    "River",
    "Mountain",
    "Island",
    "Kingdom",
    "States",
    "America",
    "Europe",
    "Asia",
    "Africa",
    "London",
    "Paris",
    "Berlin",
    "Tokyo",
    "York",
    "San",
    "Los",
    "Las",
    "El",
    "La",
    "Le",
    "De",
    "Der",
    "Die",
    "Das",
    "HeyGen",
    "Writesonic",
    "OpenAI",
    "Google",
    "Microsoft",
    "Apple",
    "Amazon",
    "Meta",
    "Slack",
    "Stripe",
    "GitHub",
    "Zoom",
    "Teams",
    "Chat",
    "Bot",
    "Assistant",
    "Agent",
    "Manager",
    "Director",
    "Engineer",
    "Lead",
    "Avatar",
    "Voice",
    "Script",
    "Scene",
    "Campaign",
    "Launch",
    "Brand",
    "Email",
    "Phone",
    "Account",
    "Order",
    "Ticket",
    "Invoice",
    "Card",
    "Payment",
    "Subscription",
    "Plan",
    "Free",
    "Trial",
    "Sign",
    "Click",
    "Read",
    "Learn",
    "More",
    "Get",
    "Start",
    "Join",
    "Try",
    "Now",
    "Only",
    "Also",
    "Then",
    "Once",
    "Every",
    "Each",
};

// A word list searchable in O(1): the lists run to hundreds of words and are asked for
// every capitalised word near a trigger.
class WordSet {
 public:
  explicit WordSet(std::span<const std::string_view> words) : words_(words.begin(), words.end()) {}
  bool Contains(std::string_view word) const { return words_.contains(word); }

 private:
  absl::flat_hash_set<std::string_view> words_;
};

bool IsStopWord(std::string_view word) {
  static const WordSet* const stop_words = new WordSet(kStopWords);
  return stop_words->Contains(word);
}

bool IsListedFirstName(std::string_view word) {
  static const WordSet* const first_names = new WordSet(kFirstNames);
  return first_names->Contains(word);
}

bool IsNameByte(char c) { return IsLower(c) || IsHigh(c); }

// Length of a capitalised name word at pos ("Smith", "O'Brien", "Smith-Jones", "José"),
// 0 if there is none. Single capitals followed by '.' (initials) count, with the dot.
size_t NameWordAt(std::string_view text, size_t pos, bool places = false) {
  if (pos >= text.size() || !IsUpper(text[pos])) {
    return 0;
  }
  size_t end = pos + 1;
  if (At(text, end) == '.' && !IsAlpha(At(text, end + 1))) {
    return 2;  // initial
  }
  if (At(text, end) == '\'' && IsUpper(At(text, end + 1))) {
    end += 2;  // O'Brien
  }
  while (end < text.size() && end - pos < 30) {
    if (IsNameByte(text[end])) {
      ++end;
    } else if ((text[end] == '-' || text[end] == '\'') && IsAlpha(At(text, end + 1))) {
      end += 2;
    } else {
      break;
    }
  }
  if (end - pos < 2 || IsDigit(At(text, end)) || IsUpper(At(text, end)) || At(text, end) == '_') {
    return 0;
  }
  const std::string_view word = text.substr(pos, end - pos);
  if (!places && IsStopWord(word)) {
    return 0;
  }
  return end - pos;
}

// Reads up to `max_words` name words separated by single spaces from pos; returns the end
// offset and the count.
std::pair<size_t, int> ReadName(std::string_view text, size_t pos, int max_words,
                                bool places = false) {
  size_t end = pos;
  int words = 0;
  size_t cursor = pos;
  while (words < max_words) {
    const size_t len = NameWordAt(text, cursor, places);
    if (len == 0) {
      break;
    }
    end = cursor + len;
    ++words;
    if (At(text, end) != ' ') {
      break;
    }
    cursor = end + 1;
  }
  return {end, words};
}

void AddName(ScanState& state, size_t start, size_t end, double confidence) {
  if (end > start) {
    state.Add(PiiType::kPerson, start, end, confidence);
  }
}

// ---------------------------------------------------------------- dates of birth

constexpr std::string_view kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                        "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::string_view kMonthsLong[] = {"january",   "february", "march",    "april",
                                            "may",       "june",     "july",     "august",
                                            "september", "october",  "november", "december"};

// Reads 1-4 digits at pos; returns the count and the value.
size_t ReadNumber(std::string_view text, size_t pos, size_t max, int* value) {
  size_t n = 0;
  *value = 0;
  while (n < max && IsDigit(At(text, pos + n))) {
    *value = *value * 10 + (text[pos + n] - '0');
    ++n;
  }
  return n;
}

// Month name at pos (long or three-letter, optional '.'), returns month 1-12 and sets *len.
int MonthAt(std::string_view text, size_t pos, size_t* len) {
  for (int m = 0; m < 12; ++m) {
    if (MatchesLower(text, pos, kMonthsLong[m]) &&
        !IsAlpha(At(text, pos + kMonthsLong[m].size()))) {
      *len = kMonthsLong[m].size();
      return m + 1;
    }
  }
  for (int m = 0; m < 12; ++m) {
    if (MatchesLower(text, pos, kMonths[m])) {
      size_t l = 3;
      if (m == 8 && MatchesLower(text, pos + 3, "t")) {
        l = 4;  // "Sept"
      }
      if (IsAlpha(At(text, pos + l))) {
        continue;
      }
      if (At(text, pos + l) == '.') {
        ++l;
      }
      *len = l;
      return m + 1;
    }
  }
  return 0;
}

int FullYear(int year, size_t digits) {
  if (digits == 2) {
    return year > 30 ? 1900 + year : 2000 + year;
  }
  return year;
}

size_t SkipOrdinal(std::string_view text, size_t pos) {
  for (std::string_view suffix : {"st", "nd", "rd", "th"}) {
    if (MatchesLower(text, pos, suffix) && !IsAlpha(At(text, pos + 2))) {
      return pos + 2;
    }
  }
  return pos;
}

// Parses a date at pos; returns its end or 0.
size_t DateAt(std::string_view text, size_t pos) {
  int a = 0, b = 0, c = 0;
  const size_t na = ReadNumber(text, pos, 4, &a);
  if (na > 0) {
    if (IsDigit(Before(text, pos))) {
      return 0;
    }
    const char sep = At(text, pos + na);
    if (sep == '/' || sep == '-' || sep == '.') {
      const size_t nb = ReadNumber(text, pos + na + 1, 2, &b);
      if (nb == 0 || At(text, pos + na + 1 + nb) != sep) {
        return 0;
      }
      const size_t pc = pos + na + 1 + nb + 1;
      const size_t nc = ReadNumber(text, pc, 4, &c);
      if (nc == 0 || IsDigit(At(text, pc + nc))) {
        return 0;
      }
      bool ok = false;
      if (na == 4 && nc <= 2) {
        ok = DateValid(a, b, c);
      } else if (na <= 2 && (nc == 4 || nc == 2)) {
        const int year = FullYear(c, nc);
        ok = DateValid(year, a, b) || DateValid(year, b, a);
      }
      return ok ? pc + nc : 0;
    }
    if (na > 2) {
      return 0;
    }
    // "3 March 1985", "3rd of March, 1985"
    size_t p = SkipOrdinal(text, pos + na);
    if (At(text, p) != ' ') {
      return 0;
    }
    ++p;
    if (MatchesLower(text, p, "of ")) {
      p += 3;
    }
    size_t len = 0;
    const int month = MonthAt(text, p, &len);
    if (month == 0) {
      return 0;
    }
    p += len;
    if (At(text, p) == ',') {
      ++p;
    }
    if (At(text, p) != ' ') {
      return 0;
    }
    ++p;
    const size_t ny = ReadNumber(text, p, 4, &c);
    if (ny != 4 || IsDigit(At(text, p + ny)) || !DateValid(c, month, a)) {
      return 0;
    }
    return p + ny;
  }
  // "March 3, 1985", "Mar. 3rd 1985"
  if (IsAlpha(Before(text, pos))) {
    return 0;
  }
  size_t len = 0;
  const int month = MonthAt(text, pos, &len);
  if (month == 0) {
    return 0;
  }
  size_t p = pos + len;
  if (At(text, p) != ' ') {
    return 0;
  }
  ++p;
  const size_t nd = ReadNumber(text, p, 2, &a);
  if (nd == 0) {
    return 0;
  }
  p = SkipOrdinal(text, p + nd);
  if (At(text, p) == ',') {
    ++p;
  }
  if (At(text, p) != ' ') {
    return 0;
  }
  ++p;
  const size_t ny = ReadNumber(text, p, 4, &c);
  if (ny != 4 || IsDigit(At(text, p + ny)) || !DateValid(c, month, a)) {
    return 0;
  }
  return p + ny;
}

// ---------------------------------------------------------------- addresses

constexpr std::string_view kUnitWords[] = {"Apt",   "Apartment", "Suite", "Ste", "Unit",
                                           "Floor", "Fl",        "Room",  "Rm",  "#"};

bool IsStateCode(std::string_view text, size_t pos) {
  return IsUpper(At(text, pos)) && IsUpper(At(text, pos + 1)) && !IsAlnum(At(text, pos + 2));
}

// US ZIP (5 or 5-4 digits) at pos; returns its end or 0.
size_t ZipAt(std::string_view text, size_t pos) {
  int value = 0;
  const size_t n = ReadNumber(text, pos, 5, &value);
  if (n != 5 || IsAlnum(At(text, pos + 5))) {
    return 0;
  }
  if (At(text, pos + 5) == '-') {
    const size_t m = ReadNumber(text, pos + 6, 4, &value);
    if (m == 4 && !IsAlnum(At(text, pos + 10))) {
      return pos + 10;
    }
  }
  return pos + 5;
}

// UK postcode ("SW1A 1AA", "M1 1AE") at pos; returns its end or 0.
size_t UkPostcodeAt(std::string_view text, size_t pos) {
  size_t p = pos;
  size_t letters = 0;
  while (letters < 2 && IsUpper(At(text, p))) {
    ++p;
    ++letters;
  }
  if (letters == 0 || !IsDigit(At(text, p))) {
    return 0;
  }
  ++p;
  if (IsDigit(At(text, p)) || IsUpper(At(text, p))) {
    ++p;
  }
  if (At(text, p) != ' ') {
    return 0;
  }
  ++p;
  if (!IsDigit(At(text, p)) || !IsUpper(At(text, p + 1)) || !IsUpper(At(text, p + 2)) ||
      IsAlnum(At(text, p + 3))) {
    return 0;
  }
  return p + 3;
}

// Extends an address after the street: unit, city, state/postcode. Returns the new end and
// whether a city or postal code was found.
std::pair<size_t, bool> ExtendAddress(std::string_view text, size_t end) {
  bool located = false;
  // Unit.
  {
    size_t p = end;
    if (At(text, p) == ',') {
      ++p;
    }
    if (At(text, p) == ' ') {
      ++p;
    }
    for (std::string_view unit : kUnitWords) {
      if (text.substr(p, unit.size()) == unit) {
        size_t q = p + unit.size();
        if (At(text, q) == '.') {
          ++q;
        }
        if (At(text, q) == ' ') {
          ++q;
        }
        const size_t id = q;
        while (q < text.size() && q - id < 6 && (IsAlnum(text[q]) || text[q] == '-')) {
          ++q;
        }
        if (q > id && HasDigitIn(text, id, q)) {
          end = q;
        }
        break;
      }
    }
  }
  // City, then state + ZIP or a postal code.
  size_t p = end;
  if (At(text, p) == ',') {
    ++p;
    if (At(text, p) == ' ') {
      ++p;
    }
    const auto [city_end, words] = ReadName(text, p, 3, /*places=*/true);
    if (words > 0) {
      end = city_end;
      located = true;
      p = end;
    }
  }
  size_t q = p;
  if (At(text, q) == ',') {
    ++q;
  }
  if (At(text, q) == ' ') {
    ++q;
  }
  if (IsStateCode(text, q) && At(text, q + 2) == ' ') {
    if (const size_t zip = ZipAt(text, q + 3); zip != 0) {
      return {zip, true};
    }
  }
  if (const size_t zip = ZipAt(text, q); zip != 0 && located) {
    return {zip, true};
  }
  if (const size_t uk = UkPostcodeAt(text, q); uk != 0) {
    return {uk, true};
  }
  return {end, located};
}

}  // namespace

bool HasDigitIn(std::string_view text, size_t from, size_t to) {
  for (size_t i = from; i < to; ++i) {
    if (IsDigit(text[i])) {
      return true;
    }
  }
  return false;
}

std::array<std::string, 2> FirstNamePatterns() {
  std::string names;
  for (size_t i = 0; i < std::size(kFirstNames); ++i) {
    if (i > 0) {
      names += '|';
    }
    names += kFirstNames[i];
  }
  // A listed name before a capitalised word, and a listed name right after a greeting or
  // sign-off. Both end in something rarer than the name alone, which keeps Hyperscan's
  // literal matcher fast (a bare "\b(?:names)\b" is five times slower on prose).
  return {
      "\\b(?:" + names + ") [A-Z]",
      "\\b(?i:hi|hello|hey|thanks|thank you|regards|sincerely|cheers|best|i am|i'm|this is|"
      "welcome|meet|congratulations|congrats|happy birthday|from|ask for|speak to|call)"
      "[ ,:!]+\\s{0,3}(?:" +
          names + ")\\b",
  };
}

void ExtractBirthDate(size_t to, ScanState& state) {
  const std::string_view text = state.text;
  const size_t limit = std::min(text.size(), to + 40);
  for (size_t pos = to; pos < limit; ++pos) {
    const char c = text[pos];
    if (c == '\n' && At(text, pos + 1) == '\n') {
      return;
    }
    if (!IsDigit(c) && !IsUpper(c) && !IsLower(c)) {
      continue;
    }
    if (IsAlnum(Before(text, pos))) {
      continue;
    }
    if (const size_t end = DateAt(text, pos); end != 0) {
      state.Add(PiiType::kDateOfBirth, pos, end, 0.85);
      return;
    }
  }
}

void ExtractTitleName(size_t to, ScanState& state) {
  const auto [end, words] = ReadName(state.text, to, 3);
  if (words > 0) {
    AddName(state, to, end, words > 1 ? 0.75 : 0.65);
  }
}

// Trigger: an introduction such as "my name is" or "dear"; any capitalised name may follow
// (greetings before a listed first name are handled by ExtractFirstName).
void ExtractIntroName(size_t to, ScanState& state) {
  const std::string_view text = state.text;
  size_t pos = to;
  while (pos < text.size() && pos - to < 3 && IsSpace(text[pos])) {
    ++pos;
  }
  const size_t first = NameWordAt(text, pos);
  if (first == 0) {
    return;
  }
  const bool listed = IsListedFirstName(text.substr(pos, first));
  const auto [end, words] = ReadName(text, pos, 3);
  double confidence = words > 1 ? 0.7 : 0.6;
  if (!listed && words == 1) {
    confidence = 0.55;
  }
  AddName(state, pos, end, confidence);
}

void ExtractFirstName(size_t to, bool after_greeting, ScanState& state) {
  // Triggers: "\b<FirstName> [A-Z]", or "<greeting>[ ,:!]+<FirstName>\b" (see
  // FirstNamePatterns). The name starts after the previous word break ("Marie-Anne" is one
  // word).
  const std::string_view text = state.text;
  const size_t name_end = after_greeting ? to : to - 2;
  size_t start = name_end;
  while (start > 0 &&
         (IsAlpha(text[start - 1]) || IsHigh(text[start - 1]) || text[start - 1] == '-')) {
    --start;
  }
  if (start < state.processed_end[static_cast<int>(Kind::kFirstName)]) {
    return;
  }
  const auto [end, words] = ReadName(text, start, 3);
  if (after_greeting) {
    // "Hi Sarah", "Thanks, Robert Brown": one listed first name is enough.
    if (words == 0 || !IsListedFirstName(text.substr(start, name_end - start))) {
      return;
    }
    state.processed_end[static_cast<int>(Kind::kFirstName)] = end;
    AddName(state, start, end, words > 1 ? 0.7 : 0.6);
    return;
  }
  if (words < 2) {
    return;
  }
  state.processed_end[static_cast<int>(Kind::kFirstName)] = end;
  AddName(state, start, end, 0.65);
}

void ExtractStreetAddress(size_t to, ScanState& state) {
  const std::string_view text = state.text;
  size_t suffix_start = to;
  while (suffix_start > 0 && IsAlpha(text[suffix_start - 1])) {
    --suffix_start;
  }
  size_t end = to;
  if (At(text, end) == '.') {
    ++end;
  }
  // Back over 1-4 street name words ("Main", "Martin Luther King", "5th", "N").
  size_t pos = suffix_start;
  int words = 0;
  while (words < 4 && pos >= 2 && text[pos - 1] == ' ') {
    size_t word_start = pos - 1;
    while (word_start > 0 && (IsAlnum(text[word_start - 1]) || IsHigh(text[word_start - 1]) ||
                              text[word_start - 1] == '.' || text[word_start - 1] == '\'')) {
      --word_start;
    }
    const std::string_view word = text.substr(word_start, pos - 1 - word_start);
    if (word.empty()) {
      break;
    }
    if (IsDigit(word[0])) {
      // Either the house number (all digits, maybe a letter) or an ordinal street ("5th").
      const bool ordinal =
          word.size() >= 3 && IsAlpha(word.back()) && IsAlpha(word[word.size() - 2]);
      if (!ordinal) {
        size_t digits = 0;
        while (digits < word.size() && IsDigit(word[digits])) {
          ++digits;
        }
        if (words == 0 || digits > 6 || word.size() - digits > 1 ||
            IsAlnum(Before(text, word_start)) || Before(text, word_start) == '$' ||
            Before(text, word_start) == '#') {
          return;
        }
        const auto [new_end, located] = ExtendAddress(text, end);
        state.Add(PiiType::kPostalAddress, word_start, new_end, located ? 0.75 : 0.6);
        return;
      }
    } else if (!IsUpper(word[0])) {
      return;
    }
    ++words;
    pos = word_start;
  }
}

void ExtractGermanAddress(size_t to, ScanState& state) {
  // Trigger: "<suffix> \d" such as "straße 5"; the street word starts with a capital.
  const std::string_view text = state.text;
  const size_t number = to - 1;
  size_t start = number - 1;
  while (start > 0 && (IsAlpha(text[start - 1]) || IsHigh(text[start - 1]) ||
                       text[start - 1] == '.' || text[start - 1] == '-')) {
    --start;
  }
  if (!IsUpper(At(text, start))) {
    return;
  }
  int value = 0;
  const size_t digits = ReadNumber(text, number, 4, &value);
  size_t end = number + digits;
  if (IsLower(At(text, end)) && !IsAlpha(At(text, end + 1))) {
    ++end;  // "12a"
  }
  if (IsAlnum(At(text, end))) {
    return;
  }
  bool located = false;
  size_t p = end;
  if (At(text, p) == ',') {
    ++p;
  }
  if (At(text, p) == ' ') {
    ++p;
  }
  const size_t postal = ReadNumber(text, p, 5, &value);
  if ((postal == 5 || postal == 4) && At(text, p + postal) == ' ') {
    const auto [city_end, words] = ReadName(text, p + postal + 1, 2, /*places=*/true);
    if (words > 0) {
      end = city_end;
      located = true;
    }
  }
  state.Add(PiiType::kPostalAddress, start, end, located ? 0.75 : 0.6);
}

}  // namespace bulwark::privacy::internal
