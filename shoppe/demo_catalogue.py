"""The demo catalogue's words: each product's description in English, and the products, their
categories and colours in Dutch, German, French, Spanish, Italian, Polish and (European) Portuguese, every
storefront language, as the shop's own copywriters would write them (nl "je", de "Sie", fr "vous", es "tú",
it "tu", pl impersonal, pt "o seu", as the storefront's pages do). Keyed by the English name, the source of
truth."""
from __future__ import annotations

NBSP = "\u00a0"

CATEGORY_NAMES = {
    "nl": {"Lamps": "Lampen", "Furniture": "Meubels", "Kitchen": "Keuken", "Textiles": "Woontextiel",
           "Decor": "Decoratie", "Gift cards": "Cadeaukaarten"},
    "de": {"Lamps": "Leuchten", "Furniture": "Möbel", "Kitchen": "Küche", "Textiles": "Heimtextilien",
           "Decor": "Deko", "Gift cards": "Gutscheine"},
    "fr": {"Lamps": "Luminaires", "Furniture": "Mobilier", "Kitchen": "Cuisine", "Textiles": "Linge de maison",
           "Decor": "Décoration", "Gift cards": "Cartes cadeaux"},
    "es": {"Lamps": "Iluminación", "Furniture": "Muebles", "Kitchen": "Cocina", "Textiles": "Textil hogar",
           "Decor": "Decoración", "Gift cards": "Tarjetas regalo"},
    "it": {"Lamps": "Illuminazione", "Furniture": "Arredamento", "Kitchen": "Cucina", "Textiles": "Tessili per la casa",
           "Decor": "Decorazioni", "Gift cards": "Carte regalo"},
    "pl": {"Lamps": "Oświetlenie", "Furniture": "Meble", "Kitchen": "Kuchnia", "Textiles": "Tekstylia domowe",
           "Decor": "Dekoracje", "Gift cards": "Karty podarunkowe"},
    "pt": {"Lamps": "Iluminação", "Furniture": "Mobiliário", "Kitchen": "Cozinha", "Textiles": "Têxteis-lar",
           "Decor": "Decoração", "Gift cards": "Cartões-oferta"},
}

COLOUR_NAMES = {
    "nl": {"blue": "blauw", "brass": "messing", "white": "wit", "oak": "eiken", "walnut": "walnoot", "sand": "zand",
           "natural": "naturel", "green": "groen", "red": "rood", "steel": "staal", "grey": "grijs",
           "clear": "transparant", "bamboo": "bamboe", "copper": "koper", "ochre": "oker", "sage": "saliegroen",
           "black": "zwart", "amber": "amber", "pine": "grenen"},
    "de": {"blue": "Blau", "brass": "Messing", "white": "Weiß", "oak": "Eiche", "walnut": "Nussbaum", "sand": "Sand",
           "natural": "Natur", "green": "Grün", "red": "Rot", "steel": "Edelstahl", "grey": "Grau",
           "clear": "Transparent", "bamboo": "Bambus", "copper": "Kupfer", "ochre": "Ocker", "sage": "Salbeigrün",
           "black": "Schwarz", "amber": "Bernstein", "pine": "Kiefer"},
    "fr": {"blue": "bleu", "brass": "laiton", "white": "blanc", "oak": "chêne", "walnut": "noyer", "sand": "sable",
           "natural": "naturel", "green": "vert", "red": "rouge", "steel": "acier", "grey": "gris",
           "clear": "transparent", "bamboo": "bambou", "copper": "cuivre", "ochre": "ocre", "sage": "vert sauge",
           "black": "noir", "amber": "ambre", "pine": "pin"},
    "es": {"blue": "azul", "brass": "latón", "white": "blanco", "oak": "roble", "walnut": "nogal", "sand": "arena",
           "natural": "natural", "green": "verde", "red": "rojo", "steel": "acero", "grey": "gris",
           "clear": "transparente", "bamboo": "bambú", "copper": "cobre", "ochre": "ocre", "sage": "verde salvia",
           "black": "negro", "amber": "ámbar", "pine": "pino"},
    "it": {"blue": "blu", "brass": "ottone", "white": "bianco", "oak": "rovere", "walnut": "noce", "sand": "sabbia",
           "natural": "naturale", "green": "verde", "red": "rosso", "steel": "acciaio", "grey": "grigio",
           "clear": "trasparente", "bamboo": "bambù", "copper": "rame", "ochre": "ocra", "sage": "verde salvia",
           "black": "nero", "amber": "ambra", "pine": "pino"},
    "pl": {"blue": "niebieski", "brass": "mosiądz", "white": "biały", "oak": "dąb", "walnut": "orzech",
           "sand": "piaskowy", "natural": "naturalny", "green": "zielony", "red": "czerwony", "steel": "stal",
           "grey": "szary", "clear": "przezroczysty", "bamboo": "bambus", "copper": "miedź", "ochre": "ochrowy",
           "sage": "szałwiowy", "black": "czarny", "amber": "bursztynowy", "pine": "sosna"},
    "pt": {"blue": "azul", "brass": "latão", "white": "branco", "oak": "carvalho", "walnut": "nogueira",
           "sand": "areia", "natural": "natural", "green": "verde", "red": "vermelho", "steel": "aço",
           "grey": "cinzento", "clear": "transparente", "bamboo": "bambu", "copper": "cobre", "ochre": "ocre",
           "sage": "verde-salva", "black": "preto", "amber": "âmbar", "pine": "pinho"},
}

# English name: (English description, {language: (name, description)}).
PRODUCT_WORDS: dict[str, tuple[str, dict[str, tuple[str, str]]]] = {
    "Blue ceramic table lamp": (
        "A hand-glazed ceramic base in deep blue with a linen shade. Gives a warm, soft light on a sideboard or desk.",
        {"nl": ("Blauwe keramische tafellamp",
                "Handgeglazuurde voet van keramiek in diepblauw, met een kap van linnen. Geeft zacht, warm licht op "
                "je dressoir of bureau."),
         "de": ("Tischleuchte aus blauer Keramik",
                "Handglasierter Keramikfuß in tiefem Blau mit Leinenschirm. Spendet warmes, sanftes Licht auf "
                "Sideboard oder Schreibtisch."),
         "fr": ("Lampe à poser en céramique bleue",
                "Pied en céramique émaillée à la main, d’un bleu profond, et abat-jour en lin. Diffuse une lumière "
                "douce et chaleureuse sur votre buffet ou votre bureau."),
         "es": ("Lámpara de mesa de cerámica azul",
                "Base de cerámica esmaltada a mano en azul intenso con pantalla de lino. Da una luz cálida y suave "
                "en tu aparador o tu escritorio."),
         "it": ("Lampada da tavolo in ceramica blu",
                "Base in ceramica smaltata a mano in un blu intenso, con paralume in lino. Diffonde una luce calda e "
                "morbida sulla tua credenza o sulla scrivania."),
         "pl": ("Lampa stołowa z niebieskiej ceramiki",
                "Ręcznie szkliwiona ceramiczna podstawa w głębokim odcieniu niebieskiego i lniany abażur. Daje "
                "ciepłe, miękkie światło na komodzie lub biurku."),
         "pt": ("Candeeiro de mesa em cerâmica azul",
                "Base em cerâmica vidrada à mão, num azul profundo, com abajur de linho. Dá uma luz quente e suave "
                "sobre o aparador ou a secretária.")}),
    "Brass reading floor lamp": (
        "A slim brass floor lamp with an adjustable head, made for reading in your favourite chair.",
        {"nl": ("Staande leeslamp van messing",
                "Slanke staande lamp van messing met een verstelbare kop: precies goed om te lezen in je "
                "favoriete stoel."),
         "de": ("Lese-Stehleuchte aus Messing",
                "Schlanke Stehleuchte aus Messing mit verstellbarem Kopf – ideal zum Lesen im Lieblingssessel."),
         "fr": ("Lampadaire liseuse en laiton",
                "Un lampadaire fin en laiton à tête orientable, pensé pour lire confortablement dans votre "
                "fauteuil préféré."),
         "es": ("Lámpara de pie de lectura de latón",
                "Lámpara de pie estilizada de latón con cabezal orientable, pensada para leer en tu sillón "
                "favorito."),
         "it": ("Lampada da terra per lettura in ottone",
                "Una slanciata lampada da terra in ottone con testa orientabile, pensata per leggere comodamente "
                "nella tua poltrona preferita."),
         "pl": ("Mosiężna lampa podłogowa do czytania",
                "Smukła lampa podłogowa z mosiądzu z regulowaną głowicą – stworzona do czytania w ulubionym fotelu."),
         "pt": ("Candeeiro de pé para leitura em latão",
                "Um candeeiro de pé esguio em latão, com cabeça orientável, pensado para ler na sua poltrona "
                "preferida.")}),
    "Paper pendant lamp": (
        "A large round pendant of white rice paper that spreads a soft, even light. Light as a feather and easy to "
        "hang.",
        {"nl": ("Papieren hanglamp",
                "Grote ronde hanglamp van wit rijstpapier die een zacht, gelijkmatig licht geeft. Vederlicht en "
                "makkelijk op te hangen."),
         "de": ("Pendelleuchte aus Papier",
                "Große runde Pendelleuchte aus weißem Reispapier für sanftes, gleichmäßiges Licht. Federleicht und "
                "schnell aufgehängt."),
         "fr": ("Suspension en papier",
                "Une grande suspension ronde en papier de riz blanc, qui diffuse une lumière douce et homogène. "
                "Légère comme une plume et facile à installer."),
         "es": ("Lámpara colgante de papel",
                "Lámpara colgante grande y redonda de papel de arroz blanco que da una luz suave y uniforme. Ligera "
                "como una pluma y fácil de colgar."),
         "it": ("Lampada a sospensione in carta",
                "Una grande sospensione tonda in carta di riso bianca che diffonde una luce morbida e uniforme. "
                "Leggera come una piuma e facile da appendere."),
         "pl": ("Papierowa lampa wisząca",
                "Duża, okrągła lampa wisząca z białego papieru ryżowego, która daje miękkie, równomierne światło. "
                "Lekka jak piórko i łatwa do zawieszenia."),
         "pt": ("Candeeiro suspenso em papel",
                "Um candeeiro suspenso grande e redondo, em papel de arroz branco, que espalha uma luz suave e "
                "uniforme. Leve como uma pena e fácil de pendurar.")}),
    "Oak bedside lamp": (
        "A small lamp turned from solid oak, with a cotton shade and a switch on the cord. Just right for the "
        "bedside table.",
        {"nl": ("Eikenhouten bedlamp",
                "Klein lampje van massief, gedraaid eikenhout met een katoenen kap en een schakelaar in het snoer. "
                "Precies goed voor op je nachtkastje."),
         "de": ("Nachttischleuchte aus Eiche",
                "Kleine Leuchte aus massiver, gedrechselter Eiche mit Baumwollschirm und Schnurschalter. Genau "
                "richtig für den Nachttisch."),
         "fr": ("Lampe de chevet en chêne",
                "Petite lampe en chêne massif tourné, avec abat-jour en coton et interrupteur sur le câble. Idéale "
                "sur votre table de chevet."),
         "es": ("Lámpara de mesilla de roble",
                "Lamparita de roble macizo torneado con pantalla de algodón e interruptor en el cable. Perfecta "
                "para tu mesilla de noche."),
         "it": ("Lampada da comodino in rovere",
                "Una piccola lampada in rovere massello tornito, con paralume in cotone e interruttore sul cavo. "
                "Perfetta sul tuo comodino."),
         "pl": ("Dębowa lampka nocna",
                "Mała lampka z toczonego, litego drewna dębowego, z bawełnianym abażurem i włącznikiem na "
                "przewodzie. W sam raz na szafkę nocną."),
         "pt": ("Candeeiro de cabeceira em carvalho",
                "Um pequeno candeeiro em carvalho maciço torneado, com abajur de algodão e interruptor no fio. "
                "Ideal para a mesa de cabeceira.")}),
    "Smart dimmable bulb set": (
        "Three warm-white LED bulbs (E27) that you dim and switch from your phone. No hub needed.",
        {"nl": ("Slimme dimbare lampen, set",
                "Drie warmwitte ledlampen (E27) die je met je telefoon aanzet, uitzet en dimt. Geen hub nodig."),
         "de": ("Smarte LED-Lampen, dimmbar, im Set",
                "Drei warmweiße LED-Lampen (E27), die Sie bequem per Smartphone schalten und dimmen. Ganz ohne Hub."),
         "fr": ("Ampoules connectées à intensité variable, lot",
                "Trois ampoules LED blanc chaud (E27) que vous allumez et réglez depuis votre téléphone. Aucun pont "
                "de connexion nécessaire."),
         "es": ("Bombillas inteligentes regulables, pack",
                "Tres bombillas LED de luz cálida (E27) que enciendes, apagas y regulas desde el móvil. Sin "
                "necesidad de hub."),
         "it": ("Set di lampadine smart dimmerabili",
                "Tre lampadine LED a luce bianca calda (E27) che accendi, spegni e regoli dal telefono. Non serve "
                "nessun hub."),
         "pl": ("Zestaw inteligentnych żarówek ściemnialnych",
                "Trzy żarówki LED o ciepłej białej barwie światła (E27), które włącza się, wyłącza i ściemnia za "
                "pomocą telefonu. Hub nie jest potrzebny."),
         "pt": ("Conjunto de lâmpadas inteligentes reguláveis",
                "Três lâmpadas LED de luz branca quente (E27) que liga, desliga e regula a partir do telemóvel. "
                "Não precisa de hub.")}),
    "Oak dining table": (
        "A solid oak table that seats six, finished with a natural oil that brings out the grain.",
        {"nl": ("Eikenhouten eettafel",
                "Tafel van massief eikenhout voor zes personen, afgewerkt met natuurlijke olie die de houtnerf mooi "
                "laat uitkomen."),
         "de": ("Esstisch aus Eiche",
                "Massiver Eichentisch für sechs Personen, mit natürlichem Öl behandelt, das die Maserung schön zur "
                "Geltung bringt."),
         "fr": ("Table à manger en chêne",
                "Une table en chêne massif pour six personnes, finie à l’huile naturelle qui fait ressortir le "
                "veinage du bois."),
         "es": ("Mesa de comedor de roble",
                "Mesa de roble macizo para seis personas, con acabado de aceite natural que realza la veta de la "
                "madera."),
         "it": ("Tavolo da pranzo in rovere",
                "Tavolo in rovere massello per sei persone, rifinito con olio naturale che esalta le venature del "
                "legno."),
         "pl": ("Dębowy stół do jadalni",
                "Stół z litego drewna dębowego dla sześciu osób, wykończony naturalnym olejem, który pięknie "
                "wydobywa rysunek słojów."),
         "pt": ("Mesa de jantar em carvalho",
                "Mesa em carvalho maciço para seis pessoas, com acabamento a óleo natural que realça os veios da "
                "madeira.")}),
    "Walnut side table": (
        "A compact round side table in walnut veneer, handy next to the sofa for a book and a cup of tea.",
        {"nl": ("Walnoten bijzettafel",
                "Compacte ronde bijzettafel met walnotenfineer, handig naast de bank voor een boek en een kop thee."),
         "de": ("Beistelltisch aus Nussbaum",
                "Kompakter runder Beistelltisch mit Nussbaumfurnier – praktisch neben dem Sofa für ein Buch und "
                "eine Tasse Tee."),
         "fr": ("Table d’appoint en noyer",
                "Une table d’appoint ronde et compacte en placage noyer, pratique à côté du canapé pour poser un "
                "livre et une tasse de thé."),
         "es": ("Mesa auxiliar de nogal",
                "Mesa auxiliar redonda y compacta con chapa de nogal, muy práctica junto al sofá para dejar un "
                "libro y una taza de té."),
         "it": ("Tavolino in noce",
                "Un tavolino tondo e compatto, impiallacciato in noce: comodo accanto al divano per appoggiare un "
                "libro e una tazza di tè."),
         "pl": ("Orzechowy stolik pomocniczy",
                "Kompaktowy, okrągły stolik wykończony fornirem orzechowym. Przyda się obok sofy – na książkę i "
                "filiżankę herbaty."),
         "pt": ("Mesa de apoio em nogueira",
                "Uma mesa de apoio redonda e compacta, em folha de nogueira, prática ao lado do sofá para pousar "
                "um livro e uma chávena de chá.")}),
    "Linen two-seat sofa": (
        "A deep two-seater with removable, washable linen covers in a warm sand colour.",
        {"nl": ("Linnen tweezitsbank",
                "Diepe tweezitsbank met afneembare, wasbare hoezen van linnen in een warme zandkleur."),
         "de": ("Zweisitzer-Sofa aus Leinen",
                "Tiefes Zweisitzer-Sofa mit abnehmbaren, waschbaren Leinenbezügen in warmem Sandton."),
         "fr": ("Canapé deux places en lin",
                "Un canapé deux places bien profond, avec housses en lin amovibles et lavables, dans une chaude "
                "teinte sable."),
         "es": ("Sofá de dos plazas de lino",
                "Sofá de dos plazas amplio y profundo, con fundas de lino desenfundables y lavables en un cálido "
                "tono arena."),
         "it": ("Divano a due posti in lino",
                "Divano a due posti dalla seduta profonda, con rivestimento in lino sfoderabile e lavabile in un "
                "caldo color sabbia."),
         "pl": ("Lniana sofa dwuosobowa",
                "Głęboka, dwuosobowa sofa z lnianymi pokrowcami w ciepłym, piaskowym kolorze – zdejmowanymi i "
                "nadającymi się do prania."),
         "pt": ("Sofá de dois lugares em linho",
                "Um sofá de dois lugares com assento profundo e capas de linho amovíveis e laváveis, num tom areia "
                "quente.")}),
    "Rattan lounge chair": (
        "A low, wide lounge chair of hand-woven rattan on a sturdy frame. Cushion included.",
        {"nl": ("Rotan loungestoel",
                "Lage, brede loungestoel van handgevlochten rotan op een stevig frame. Inclusief kussen."),
         "de": ("Loungesessel aus Rattan",
                "Niedriger, breiter Loungesessel aus handgeflochtenem Rattan auf stabilem Gestell. Inklusive "
                "Sitzkissen."),
         "fr": ("Fauteuil lounge en rotin",
                "Un fauteuil bas et large en rotin tressé à la main, sur une structure robuste. Coussin inclus."),
         "es": ("Sillón lounge de ratán",
                "Sillón bajo y amplio de ratán tejido a mano sobre una estructura resistente. Cojín incluido."),
         "it": ("Poltrona lounge in rattan",
                "Poltrona lounge bassa e ampia in rattan intrecciato a mano, su una struttura robusta. Cuscino "
                "incluso."),
         "pl": ("Rattanowy fotel wypoczynkowy",
                "Niski, szeroki fotel wypoczynkowy z ręcznie plecionego rattanu na solidnej ramie. Poduszka w "
                "zestawie."),
         "pt": ("Cadeirão lounge em rattan",
                "Um cadeirão baixo e largo em rattan entrançado à mão, sobre uma estrutura robusta. Almofada "
                "incluída.")}),
    "Pine bookshelf": (
        "An open bookshelf in solid pine with five shelves, easy to assemble and sturdy enough for a whole library.",
        {"nl": ("Grenenhouten boekenkast",
                "Open boekenkast van massief grenen met vijf planken. Makkelijk in elkaar te zetten en stevig genoeg "
                "voor al je boeken."),
         "de": ("Bücherregal aus Kiefer",
                "Offenes Bücherregal aus massiver Kiefer mit fünf Böden – schnell aufgebaut und stabil genug für "
                "Ihre ganze Bibliothek."),
         "fr": ("Bibliothèque en pin",
                "Une bibliothèque ouverte en pin massif à cinq étagères, facile à monter et assez solide pour tous "
                "vos livres."),
         "es": ("Estantería de pino",
                "Estantería abierta de pino macizo con cinco baldas, fácil de montar y lo bastante robusta para "
                "todos tus libros."),
         "it": ("Libreria in pino",
                "Libreria a giorno in pino massello con cinque ripiani, facile da montare e abbastanza robusta da "
                "ospitare un'intera biblioteca."),
         "pl": ("Sosnowy regał na książki",
                "Otwarty regał z litego drewna sosnowego z pięcioma półkami – łatwy w montażu i na tyle solidny, że "
                "pomieści całą domową bibliotekę."),
         "pt": ("Estante em pinho",
                "Estante aberta em pinho maciço com cinco prateleiras, fácil de montar e suficientemente robusta "
                "para uma biblioteca inteira.")}),
    "Velvet footstool": (
        "A round footstool in soft green velvet on oak legs. Put your feet up, or use it as an extra seat.",
        {"nl": ("Fluwelen voetenbank",
                "Ronde voetenbank van zacht groen fluweel op eikenhouten pootjes. Leg je voeten erop of gebruik hem "
                "als extra zitplek."),
         "de": ("Fußhocker aus Samt",
                "Runder Fußhocker aus weichem grünem Samt auf Eichenbeinen. Zum Hochlegen der Füße oder als "
                "zusätzliche Sitzgelegenheit."),
         "fr": ("Repose-pieds en velours",
                "Un repose-pieds rond en velours vert tout doux, sur pieds en chêne. Pour allonger les jambes, ou "
                "comme assise d’appoint."),
         "es": ("Reposapiés de terciopelo",
                "Reposapiés redondo de suave terciopelo verde con patas de roble. Para subir los pies o como "
                "asiento extra."),
         "it": ("Poggiapiedi in velluto",
                "Poggiapiedi tondo in morbido velluto verde con gambe in rovere. Per appoggiarci i piedi o da usare "
                "come seduta in più."),
         "pl": ("Aksamitny podnóżek",
                "Okrągły podnóżek z miękkiego zielonego aksamitu na dębowych nóżkach. Można na nim oprzeć stopy albo "
                "używać go jako dodatkowego siedziska."),
         "pt": ("Repousa-pés em veludo",
                "Repousa-pés redondo em veludo verde macio, com pés de carvalho. Para descansar as pernas ou como "
                "assento extra.")}),
    "Cast-iron casserole 24 cm": (
        "An enamelled cast-iron casserole that keeps the heat for hours: for stews, soups and bread. Works on every "
        "hob, induction included.",
        {"nl": ("Gietijzeren braadpan 24 cm",
                "Geëmailleerde gietijzeren braadpan die urenlang warm blijft: voor stoofpotten, soep en brood. "
                "Geschikt voor alle warmtebronnen, ook inductie."),
         "de": ("Gusseisen-Bräter 24 cm",
                "Emaillierter Bräter aus Gusseisen, der die Wärme stundenlang hält – für Schmorgerichte, Suppen "
                "und Brot. Für alle Herdarten geeignet, auch für Induktion."),
         "fr": ("Cocotte en fonte 24 cm",
                f"Une cocotte en fonte émaillée qui garde la chaleur pendant des heures{NBSP}: pour les mijotés, les "
                "soupes et le pain. Compatible tous feux, induction comprise."),
         "es": ("Cazuela de hierro fundido 24 cm",
                "Cazuela de hierro fundido esmaltado que conserva el calor durante horas: para guisos, sopas y pan. "
                "Apta para todo tipo de cocinas, también de inducción."),
         "it": ("Cocotte in ghisa 24 cm",
                "Cocotte in ghisa smaltata che mantiene il calore per ore: per stufati, zuppe e pane. Adatta a tutti "
                "i piani cottura, induzione compresa."),
         "pl": ("Żeliwny garnek 24 cm",
                "Emaliowany garnek żeliwny, który godzinami trzyma ciepło – do duszonych potraw, zup i chleba. "
                "Nadaje się do wszystkich rodzajów kuchenek, również indukcyjnych."),
         "pt": ("Caçarola de ferro fundido 24 cm",
                "Caçarola de ferro fundido esmaltado que mantém o calor durante horas: para estufados, sopas e "
                "pão. Compatível com todos os tipos de fogão, incluindo indução.")}),
    "Chef's knife 20 cm": (
        "A forged stainless-steel chef's knife with a 20 cm blade, balanced for everyday chopping, slicing and "
        "dicing.",
        {"nl": ("Koksmes 20 cm",
                "Gesmeed koksmes van roestvrij staal met een lemmet van 20 cm, mooi in balans voor het dagelijkse "
                "hakken, snijden en snipperen."),
         "de": ("Kochmesser 20 cm",
                "Geschmiedetes Kochmesser aus rostfreiem Stahl mit 20-cm-Klinge, perfekt ausbalanciert zum "
                "täglichen Hacken, Schneiden und Würfeln."),
         "fr": ("Couteau de chef 20 cm",
                "Un couteau de chef forgé en acier inoxydable, lame de 20 cm, bien équilibré pour émincer, "
                "trancher et couper en dés au quotidien."),
         "es": ("Cuchillo de chef 20 cm",
                "Cuchillo de chef forjado en acero inoxidable con hoja de 20 cm, bien equilibrado para picar, "
                "cortar y trocear a diario."),
         "it": ("Coltello da chef 20 cm",
                "Coltello da chef forgiato in acciaio inox con lama da 20 cm, ben bilanciato per tritare, affettare "
                "e tagliare a cubetti ogni giorno."),
         "pl": ("Nóż szefa kuchni 20 cm",
                "Kuty nóż szefa kuchni ze stali nierdzewnej z ostrzem 20 cm, dobrze wyważony do codziennego "
                "siekania, krojenia w plastry i w kostkę."),
         "pt": ("Faca de chef 20 cm",
                "Faca de chef forjada em aço inoxidável, com lâmina de 20 cm, bem equilibrada para picar, fatiar e "
                "cortar em cubos no dia a dia.")}),
    "Stoneware dinner set, 12 pieces": (
        "Four dinner plates, four side plates and four bowls in grey stoneware with a matt glaze. Dishwasher and "
        "microwave safe.",
        {"nl": ("Serviesset van steengoed, 12-delig",
                "Vier dinerborden, vier ontbijtborden en vier kommen van grijs steengoed met een matte glazuur. "
                "Geschikt voor de vaatwasser en de magnetron."),
         "de": ("Steingut-Geschirrset, 12-teilig",
                "Vier Speiseteller, vier Frühstücksteller und vier Schalen aus grauem Steingut mit matter Glasur. "
                "Spülmaschinen- und mikrowellengeeignet."),
         "fr": ("Service de table en grès, 12 pièces",
                "Quatre assiettes plates, quatre assiettes à dessert et quatre bols en grès gris à l’émail mat. "
                "Compatible lave-vaisselle et micro-ondes."),
         "es": ("Vajilla de gres, 12 piezas",
                "Cuatro platos llanos, cuatro platos de postre y cuatro cuencos de gres gris con esmalte mate. Apta "
                "para lavavajillas y microondas."),
         "it": ("Servizio di piatti in gres, 12 pezzi",
                "Quattro piatti piani, quattro piattini da dessert e quattro ciotole in gres grigio con smalto "
                "opaco. Adatto alla lavastoviglie e al microonde."),
         "pl": ("Zestaw obiadowy z kamionki, 12 elementów",
                "Cztery talerze obiadowe, cztery talerzyki deserowe i cztery miski z szarej kamionki pokrytej "
                "matowym szkliwem. Można myć w zmywarce i podgrzewać w mikrofalówce."),
         "pt": ("Serviço de jantar em grés, 12 peças",
                "Quatro pratos rasos, quatro pratos de sobremesa e quatro taças em grés cinzento com vidrado mate. "
                "Pode ir à máquina de lavar loiça e ao micro-ondas.")}),
    "Glass storage jars, set of 4": (
        "Four clear glass jars with airtight bamboo lids, for pasta, rice, coffee and everything in between.",
        {"nl": ("Glazen voorraadpotten, set van 4",
                "Vier glazen potten met luchtdichte deksels van bamboe, voor pasta, rijst, koffie en alles "
                "daartussenin."),
         "de": ("Vorratsgläser, 4er-Set",
                "Vier Gläser aus klarem Glas mit luftdichten Bambusdeckeln – für Pasta, Reis, Kaffee und alles, "
                "was sonst in die Küche gehört."),
         "fr": ("Bocaux de conservation en verre, lot de 4",
                "Quatre bocaux en verre transparent avec couvercles hermétiques en bambou, pour les pâtes, le riz, "
                "le café et tout le reste."),
         "es": ("Botes de cristal para almacenaje, juego de 4",
                "Cuatro botes de cristal transparente con tapas herméticas de bambú, para pasta, arroz, café y todo "
                "lo que se te ocurra."),
         "it": ("Barattoli da dispensa in vetro, set da 4",
                "Quattro barattoli in vetro trasparente con coperchi ermetici in bambù, per pasta, riso, caffè e "
                "tutto ciò che vuoi tenere in ordine."),
         "pl": ("Szklane słoje do przechowywania, zestaw 4 szt.",
                "Cztery słoje z przezroczystego szkła z hermetycznymi bambusowymi pokrywkami – na makaron, ryż, kawę "
                "i całą resztę."),
         "pt": ("Frascos de vidro para despensa, conjunto de 4",
                "Quatro frascos de vidro transparente com tampas herméticas em bambu, para massa, arroz, café e "
                "tudo o que precisar de guardar.")}),
    "Bamboo chopping board": (
        "A firm chopping board of bamboo that is kind to your knives, with a groove to catch the juices.",
        {"nl": ("Bamboe snijplank",
                "Stevige snijplank van bamboe die je messen spaart, met een sapgootje rondom."),
         "de": ("Schneidebrett aus Bambus",
                "Robustes Schneidebrett aus Bambus, das Ihre Messer schont – mit Saftrille."),
         "fr": ("Planche à découper en bambou",
                "Une planche à découper robuste en bambou, qui ménage vos couteaux, avec une rigole pour recueillir "
                "le jus."),
         "es": ("Tabla de cortar de bambú",
                "Tabla de cortar resistente de bambú que cuida tus cuchillos, con una ranura para recoger el "
                "jugo."),
         "it": ("Tagliere in bambù",
                "Un tagliere robusto in bambù che rispetta le lame dei tuoi coltelli, con una scanalatura che "
                "raccoglie i succhi."),
         "pl": ("Bambusowa deska do krojenia",
                "Solidna deska do krojenia z bambusa, przyjazna dla ostrzy noży, z rowkiem zbierającym soki."),
         "pt": ("Tábua de cortar em bambu",
                "Uma tábua de cortar robusta em bambu, que poupa as suas facas, com uma ranhura para recolher os "
                "sucos.")}),
    "Copper kettle": (
        "A whistling stovetop kettle of polished copper that holds 1.5 litres. For gas and electric hobs.",
        {"nl": ("Koperen fluitketel",
                "Fluitketel van gepolijst koper met een inhoud van 1,5 liter. Voor gas en elektrische kookplaten."),
         "de": ("Flötenkessel aus Kupfer",
                "Flötenkessel aus poliertem Kupfer mit 1,5 Litern Fassungsvermögen. Für Gas- und Elektroherde."),
         "fr": ("Bouilloire en cuivre",
                "Une bouilloire à sifflet en cuivre poli, d’une contenance de 1,5 litre, pour plaques gaz et "
                "électriques."),
         "es": ("Hervidor de cobre",
                "Hervidor con silbato de cobre pulido y capacidad para 1,5 litros. Para cocinas de gas y "
                "eléctricas."),
         "it": ("Bollitore in rame",
                "Bollitore con fischietto in rame lucidato, capacità 1,5 litri. Per fornelli a gas e piani cottura "
                "elettrici."),
         "pl": ("Miedziany czajnik z gwizdkiem",
                "Czajnik z gwizdkiem z polerowanej miedzi o pojemności 1,5 litra. Do kuchenek gazowych i "
                "elektrycznych."),
         "pt": ("Chaleira de cobre",
                "Chaleira com apito em cobre polido, com capacidade para 1,5 litros. Para fogões a gás e elétricos.")}),
    "Wool throw blanket": (
        "A soft throw of pure new wool in warm ochre, 130 × 170 cm: for the sofa on cold evenings.",
        {"nl": ("Wollen plaid",
                "Zachte plaid van zuiver scheerwol in warm oker, 130 × 170 cm: heerlijk op de bank op koude avonden."),
         "de": ("Wohndecke aus Wolle",
                "Weiche Wohndecke aus reiner Schurwolle in warmem Ocker, 130 × 170 cm – für gemütliche Abende auf "
                "dem Sofa."),
         "fr": ("Plaid en laine",
                f"Un plaid tout doux en pure laine vierge, couleur ocre, 130 × 170 cm{NBSP}: pour le canapé, les soirs "
                "de froid."),
         "es": ("Manta de lana",
                "Manta suave de pura lana virgen en un cálido tono ocre, 130 × 170 cm: para el sofá en las noches "
                "frías."),
         "it": ("Plaid in lana",
                "Un morbido plaid in pura lana vergine in un caldo color ocra, 130 × 170 cm: per il divano nelle "
                "sere fredde."),
         "pl": ("Wełniany pled",
                "Miękki pled z czystej żywej wełny w ciepłym odcieniu ochry, 130 × 170 cm – na sofę w chłodne "
                "wieczory."),
         "pt": ("Manta de lã",
                "Uma manta macia de pura lã virgem num tom ocre quente, 130 × 170 cm: para o sofá nas noites frias.")}),
    "Linen bedding set, double": (
        "A duvet cover (200 × 220 cm) and two pillowcases of stonewashed linen that gets softer with every wash.",
        {"nl": ("Linnen dekbedovertrek, tweepersoons",
                "Dekbedovertrek (200 × 220 cm) en twee kussenslopen van stonewashed linnen dat bij elke wasbeurt "
                "zachter wordt."),
         "de": ("Bettwäsche aus Leinen, Doppelbett",
                "Bettbezug (200 × 220 cm) und zwei Kissenbezüge aus Stonewashed-Leinen, das mit jeder Wäsche "
                "weicher wird."),
         "fr": ("Parure de lit en lin, deux personnes",
                "Une housse de couette (200 × 220 cm) et deux taies d’oreiller en lin lavé, qui s’assouplit à "
                "chaque lavage."),
         "es": ("Ropa de cama de lino, cama doble",
                "Funda nórdica (200 × 220 cm) y dos fundas de almohada de lino lavado a la piedra, que gana "
                "suavidad con cada lavado."),
         "it": ("Parure letto in lino, matrimoniale",
                "Copripiumino (200 × 220 cm) e due federe in lino stonewashed, che diventa più morbido a ogni "
                "lavaggio."),
         "pl": ("Lniana pościel na łóżko dwuosobowe",
                "Poszwa na kołdrę (200 × 220 cm) i dwie poszewki na poduszki z lnu stonewashed, który z każdym "
                "praniem staje się coraz miększy."),
         "pt": ("Roupa de cama em linho, casal",
                "Capa de edredão (200 × 220 cm) e duas fronhas em linho lavado à pedra, que fica mais macio a cada "
                "lavagem.")}),
    "Feather pillow": (
        "A medium-firm pillow filled with feathers and down, in a cotton cover. 60 × 70 cm.",
        {"nl": ("Verenkussen",
                "Middelstevig hoofdkussen gevuld met veren en dons, met een tijk van katoen. 60 × 70 cm."),
         "de": ("Federkopfkissen",
                "Mittelfestes Kopfkissen mit Federn und Daunen, Hülle aus Baumwolle. 60 × 70 cm."),
         "fr": ("Oreiller en plumes",
                "Un oreiller mi-ferme garni de plumes et de duvet, enveloppe en coton. 60 × 70 cm."),
         "es": ("Almohada de plumas",
                "Almohada de firmeza media rellena de plumas y plumón, con funda de algodón. 60 × 70 cm."),
         "it": ("Cuscino in piuma",
                "Cuscino di media rigidità imbottito di piume e piumino, con fodera in cotone. 60 × 70 cm."),
         "pl": ("Poduszka z pierza",
                "Średnio twarda poduszka wypełniona pierzem i puchem, w bawełnianej powłoce. 60 × 70 cm."),
         "pt": ("Almofada de penas",
                "Almofada de firmeza média com enchimento de penas e penugem, em capa de algodão. 60 × 70 cm.")}),
    "Cotton bath towels, set of 4": (
        "Four thick, absorbent bath towels of combed cotton in a calm sage green. 70 × 140 cm.",
        {"nl": ("Katoenen badhanddoeken, set van 4",
                "Vier dikke badhanddoeken van gekamd katoen die goed absorberen, in rustig saliegroen. 70 × 140 cm."),
         "de": ("Badetücher aus Baumwolle, 4er-Set",
                "Vier dicke, saugfähige Badetücher aus gekämmter Baumwolle in ruhigem Salbeigrün. 70 × 140 cm."),
         "fr": ("Draps de bain en coton, lot de 4",
                "Quatre draps de bain épais et absorbants en coton peigné, d’un vert sauge apaisant. 70 × 140 cm."),
         "es": ("Toallas de baño de algodón, juego de 4",
                "Cuatro toallas de baño gruesas y absorbentes de algodón peinado en un relajante verde salvia. "
                "70 × 140 cm."),
         "it": ("Teli bagno in cotone, set da 4",
                "Quattro teli bagno spessi e assorbenti in cotone pettinato, in un rilassante verde salvia. 70 × 140 "
                "cm."),
         "pl": ("Bawełniane ręczniki kąpielowe, zestaw 4 szt.",
                "Cztery grube, chłonne ręczniki kąpielowe z czesanej bawełny w spokojnym odcieniu szałwiowej "
                "zieleni. 70 × 140 cm."),
         "pt": ("Toalhas de banho em algodão, conjunto de 4",
                "Quatro toalhas de banho grossas e absorventes em algodão penteado, num tranquilo verde-salva. 70 "
                "× 140 cm.")}),
    "Jute area rug 160×230": (
        "A hand-woven rug of natural jute, 160 × 230 cm, that brings warmth and texture to any floor.",
        {"nl": ("Jute vloerkleed 160×230",
                "Handgeweven vloerkleed van naturel jute, 160 × 230 cm, dat warmte en structuur geeft aan elke "
                "vloer."),
         "de": ("Juteteppich 160×230",
                "Handgewebter Teppich aus naturbelassener Jute, 160 × 230 cm, der jedem Boden Wärme und Struktur "
                "verleiht."),
         "fr": ("Tapis en jute 160×230",
                "Un tapis tissé à la main en jute naturel, 160 × 230 cm, qui apporte chaleur et matière à tous les "
                "sols."),
         "es": ("Alfombra de yute 160×230",
                "Alfombra tejida a mano de yute natural, 160 × 230 cm, que aporta calidez y textura a cualquier "
                "suelo."),
         "it": ("Tappeto in juta 160×230",
                "Tappeto tessuto a mano in juta naturale, 160 × 230 cm, che dona calore e matericità a qualsiasi "
                "pavimento."),
         "pl": ("Dywan z juty 160×230",
                "Ręcznie tkany dywan z naturalnej juty, 160 × 230 cm, który doda ciepła i faktury każdej podłodze."),
         "pt": ("Tapete de juta 160×230",
                "Tapete tecido à mão em juta natural, 160 × 230 cm, que traz calor e textura a qualquer chão.")}),
    "Velvet cushion cover": (
        "A cushion cover of soft blue velvet with a hidden zip, 45 × 45 cm. Inner cushion not included.",
        {"nl": ("Fluwelen kussenhoes",
                "Kussenhoes van zacht blauw fluweel met een verborgen rits, 45 × 45 cm. Binnenkussen niet "
                "inbegrepen."),
         "de": ("Kissenhülle aus Samt",
                "Kissenhülle aus weichem blauem Samt mit verdecktem Reißverschluss, 45 × 45 cm. Ohne Füllkissen."),
         "fr": ("Housse de coussin en velours",
                "Une housse de coussin en velours bleu tout doux, avec fermeture éclair invisible, 45 × 45 cm. "
                "Coussin non fourni."),
         "es": ("Funda de cojín de terciopelo",
                "Funda de cojín de suave terciopelo azul con cremallera oculta, 45 × 45 cm. Relleno no incluido."),
         "it": ("Fodera per cuscino in velluto",
                "Fodera per cuscino in morbido velluto blu con cerniera nascosta, 45 × 45 cm. Imbottitura non "
                "inclusa."),
         "pl": ("Aksamitna poszewka na poduszkę",
                "Poszewka z miękkiego niebieskiego aksamitu z ukrytym zamkiem błyskawicznym, 45 × 45 cm. Bez wkładu."),
         "pt": ("Capa de almofada em veludo",
                "Capa de almofada em veludo azul macio, com fecho escondido, 45 × 45 cm. Enchimento não incluído.")}),
    "Ceramic vase, tall": (
        "A tall white vase of matt ceramic, 40 cm high, for branches, dried flowers or a single stem.",
        {"nl": ("Hoge keramische vaas",
                "Hoge witte vaas van mat keramiek, 40 cm, voor takken, droogbloemen of één enkele bloem."),
         "de": ("Hohe Keramikvase",
                "Hohe weiße Vase aus matter Keramik, 40 cm, für Zweige, Trockenblumen oder eine einzelne Blüte."),
         "fr": ("Grand vase en céramique",
                "Un grand vase blanc en céramique mate, 40 cm de haut, pour des branchages, des fleurs séchées ou "
                "une seule tige."),
         "es": ("Jarrón alto de cerámica",
                "Jarrón alto de cerámica blanca mate, de 40 cm, para ramas, flores secas o una sola flor."),
         "it": ("Vaso alto in ceramica",
                "Vaso in ceramica bianca opaca, alto 40 cm, per rami, fiori secchi o un singolo stelo."),
         "pl": ("Wysoki wazon ceramiczny",
                "Wysoki biały wazon z matowej ceramiki, 40 cm wysokości – na gałązki, suszone kwiaty albo pojedynczy "
                "kwiat."),
         "pt": ("Jarra alta em cerâmica",
                "Jarra alta e branca em cerâmica mate, com 40 cm de altura, para ramos, flores secas ou uma única "
                "flor.")}),
    "Round wall mirror": (
        "A round 60 cm mirror in a slim black metal frame. Makes a hallway or a small room feel larger.",
        {"nl": ("Ronde wandspiegel",
                "Ronde spiegel van 60 cm in een smalle zwarte metalen lijst. Laat je gang of een kleine kamer "
                "ruimer lijken."),
         "de": ("Runder Wandspiegel",
                "Runder Spiegel mit 60 cm Durchmesser in schmalem schwarzem Metallrahmen. Lässt Flur und kleine "
                "Räume größer wirken."),
         "fr": ("Miroir mural rond",
                "Un miroir rond de 60 cm dans un fin cadre en métal noir. Idéal pour agrandir visuellement une "
                "entrée ou une petite pièce."),
         "es": ("Espejo de pared redondo",
                "Espejo redondo de 60 cm con un fino marco de metal negro. Hace que el recibidor o una habitación "
                "pequeña parezcan más amplios."),
         "it": ("Specchio da parete tondo",
                "Specchio tondo da 60 cm con una sottile cornice in metallo nero. Fa sembrare più spazioso un "
                "ingresso o una stanza piccola."),
         "pl": ("Okrągłe lustro ścienne",
                "Okrągłe lustro o średnicy 60 cm w wąskiej czarnej ramie z metalu. Optycznie powiększa przedpokój "
                "lub małe pomieszczenie."),
         "pt": ("Espelho de parede redondo",
                "Espelho redondo de 60 cm com uma moldura fina em metal preto. Faz com que um hall de entrada ou "
                "uma divisão pequena pareçam maiores.")}),
    "Scented candle trio": (
        "Three soy-wax candles in amber glass: fig, cedar and orange blossom. About 30 hours each.",
        {"nl": ("Geurkaarsen, set van drie",
                "Drie kaarsen van sojawas in amberkleurig glas: vijg, ceder en oranjebloesem. Elke kaars brandt "
                "zo'n 30 uur."),
         "de": ("Duftkerzen-Trio",
                "Drei Kerzen aus Sojawachs im Bernsteinglas: Feige, Zeder und Orangenblüte. Brenndauer je etwa "
                "30 Stunden."),
         "fr": ("Trio de bougies parfumées",
                f"Trois bougies en cire de soja dans un verre ambré{NBSP}: figue, cèdre et fleur d’oranger. Environ "
                "30 heures de combustion chacune."),
         "es": ("Trío de velas aromáticas",
                "Tres velas de cera de soja en vaso de cristal ámbar: higo, cedro y azahar. Unas 30 horas de "
                "duración cada una."),
         "it": ("Trio di candele profumate",
                "Tre candele in cera di soia in vetro ambrato: fico, legno di cedro e fiori d'arancio. Circa 30 ore "
                "di durata ciascuna."),
         "pl": ("Zestaw trzech świec zapachowych",
                "Trzy świece z wosku sojowego w bursztynowym szkle: figa, cedr i kwiat pomarańczy. Każda pali się "
                "około 30 godzin."),
         "pt": ("Trio de velas perfumadas",
                "Três velas de cera de soja em vidro âmbar: figo, cedro e flor de laranjeira. Cerca de 30 horas de "
                "duração cada uma.")}),
    "Framed botanical print": (
        "A botanical print of fern leaves on matt paper, 50 × 70 cm, in a thin oak frame behind glass.",
        {"nl": ("Botanische print met lijst",
                "Botanische print van varenbladeren op mat papier, 50 × 70 cm, in een smalle eikenhouten lijst "
                "achter glas."),
         "de": ("Botanischer Kunstdruck mit Rahmen",
                "Botanischer Druck mit Farnblättern auf mattem Papier, 50 × 70 cm, in schmalem Eichenrahmen "
                "hinter Glas."),
         "fr": ("Affiche botanique encadrée",
                "Une illustration botanique de feuilles de fougère sur papier mat, 50 × 70 cm, dans un fin cadre en "
                "chêne sous verre."),
         "es": ("Lámina botánica enmarcada",
                "Lámina botánica de hojas de helecho en papel mate, 50 × 70 cm, con un fino marco de roble y "
                "cristal."),
         "it": ("Stampa botanica con cornice",
                "Stampa botanica di foglie di felce su carta opaca, 50 × 70 cm, in una sottile cornice in rovere con "
                "vetro."),
         "pl": ("Plakat botaniczny w ramie",
                "Botaniczny plakat z liśćmi paproci na matowym papierze, 50 × 70 cm, oprawiony w wąską dębową ramę "
                "pod szkłem."),
         "pt": ("Gravura botânica emoldurada",
                "Gravura botânica de folhas de feto em papel mate, 50 × 70 cm, numa moldura fina de carvalho com "
                "vidro.")}),
    "Wall clock, oak": (
        "A silent wall clock with an oak face, 30 cm across: no ticking. Runs on one AA battery.",
        {"nl": ("Wandklok, eiken",
                "Stille wandklok met een eikenhouten wijzerplaat van 30 cm: je hoort hem niet tikken. Werkt op één "
                "AA-batterij."),
         "de": ("Wanduhr aus Eiche",
                "Lautlose Wanduhr mit Zifferblatt aus Eiche, 30 cm Durchmesser – kein Ticken. Läuft mit einer "
                "AA-Batterie."),
         "fr": ("Horloge murale en chêne",
                "Une horloge murale silencieuse, sans tic-tac, au cadran en chêne de 30 cm de diamètre. Fonctionne "
                "avec une pile AA."),
         "es": ("Reloj de pared de roble",
                "Reloj de pared silencioso con esfera de roble de 30 cm de diámetro: no hace tictac. Funciona con "
                "una pila AA."),
         "it": ("Orologio da parete in rovere",
                "Orologio da parete silenzioso con quadrante in rovere da 30 cm di diametro: niente ticchettio. "
                "Funziona con una pila AA."),
         "pl": ("Dębowy zegar ścienny",
                "Cichy zegar ścienny z dębową tarczą o średnicy 30 cm – bez tykania. Zasilany jedną baterią AA."),
         "pt": ("Relógio de parede em carvalho",
                "Relógio de parede silencioso com mostrador em carvalho de 30 cm de diâmetro: sem tiquetaque. "
                "Funciona com uma pilha AA.")}),
    "Olive tree in pot": (
        "A young olive tree of about 90 cm in a terracotta pot. Loves a sunny spot indoors or on the balcony.",
        {"nl": ("Olijfboom in pot",
                "Jonge olijfboom van zo'n 90 cm in een terracotta pot. Staat graag op een zonnig plekje, binnen of "
                "op je balkon."),
         "de": ("Olivenbaum im Topf",
                "Junger Olivenbaum, etwa 90 cm hoch, im Terrakottatopf. Liebt einen sonnigen Platz im Haus oder auf "
                "dem Balkon."),
         "fr": ("Olivier en pot",
                "Un jeune olivier d’environ 90 cm dans un pot en terre cuite. Il adore le soleil, à l’intérieur "
                "comme sur le balcon."),
         "es": ("Olivo en maceta",
                "Olivo joven de unos 90 cm en maceta de terracota. Le encanta un rincón soleado, dentro de casa o en "
                "el balcón."),
         "it": ("Ulivo in vaso",
                "Un giovane ulivo di circa 90 cm in vaso di terracotta. Ama i posti soleggiati, in casa o sul "
                "balcone."),
         "pl": ("Drzewko oliwne w doniczce",
                "Młode drzewko oliwne o wysokości około 90 cm w doniczce z terakoty. Lubi słoneczne miejsce w domu "
                "lub na balkonie."),
         "pt": ("Oliveira em vaso",
                "Uma oliveira jovem com cerca de 90 cm, num vaso de terracota. Gosta de um sítio com sol, dentro "
                "de casa ou na varanda.")}),
    "Gift card €50": (
        "A gift card worth €50 to spend on anything in the shop. The code arrives by email and is valid for two "
        "years.",
        {"nl": (f"Cadeaukaart €{NBSP}50",
                f"Een cadeaukaart van €{NBSP}50 om te besteden aan alles in de winkel. De code komt per e-mail en is "
                "twee jaar geldig."),
         "de": (f"Geschenkgutschein 50{NBSP}€",
                f"Ein Gutschein über 50{NBSP}€ für unser gesamtes Sortiment. Der Code kommt per E-Mail und ist zwei "
                "Jahre gültig."),
         "fr": (f"Carte cadeau 50{NBSP}€",
                f"Une carte cadeau de 50{NBSP}€ à utiliser sur tout le catalogue. Le code arrive par e-mail et reste "
                "valable deux ans."),
         "es": (f"Tarjeta regalo de 50{NBSP}€",
                f"Tarjeta regalo de 50{NBSP}€ para gastar en lo que quieras de la tienda. El código llega por correo "
                "electrónico y es válido durante dos años."),
         "it": (f"Carta regalo da 50{NBSP}€",
                f"Una carta regalo del valore di 50{NBSP}€ da spendere per qualsiasi articolo del negozio. Il codice "
                "arriva via email ed è valido due anni."),
         "pl": (f"Karta podarunkowa 50{NBSP}€",
                f"Karta podarunkowa o wartości 50{NBSP}€ do wykorzystania na dowolne produkty w sklepie. Kod "
                "przyjdzie e-mailem i będzie ważny przez dwa lata."),
         "pt": (f"Cartão-oferta de 50{NBSP}€",
                f"Um cartão-oferta de 50{NBSP}€ para gastar no que quiser da loja. O código chega por email e é "
                "válido durante dois anos.")}),
}
